/**
 * Case 3, a failing slave: two slaves, one of which goes bad — (a) stopped,
 * so connections are refused, (b) blackholed through the fault proxy, so it
 * accepts and never answers. The library keeps its defaults (attempt timeout
 * 2 s), so every read that tries the bad slave first pays what it really
 * costs. For each fault:
 *
 * - a healthy baseline, library and raw side by side;
 * - the library's first reads right after the fault (`onset`: it has to find
 *   out), then its reads once the slave is known to be down (`steady`);
 * - a naive raw client reading from a random one of the two slaves with the
 *   same timeouts and no failover, to show what happens without it.
 *
 * @since 0.1.0
 */
import { FaultProxy } from "@mongo-master-slave/testkit"
import * as Effect from "effect/Effect"
import type { Collection as RawCollection } from "mongodb"
import * as Clients from "../clients.js"
import type { BenchDocument } from "../cluster.js"
import { type BenchError, during } from "../errors.js"
import { type CaseResult, type Figure, type FigureKey, figureOf } from "../results.js"
import { type Sample, settle } from "../workload.js"
import { type Bench, compareSides, headline } from "./context.js"
import * as ReadById from "./readById.js"

interface Fault {
  /** The scenario's name, e.g. "slave 1 stopped". */
  readonly name: string
  /** The healthy baseline's name. */
  readonly healthy: string
  /** The library's slave list, and the raw clients' URIs: slave 0 and the slave (or proxy) that goes bad. */
  readonly slaveUris: readonly [string, string]
  readonly inject: Effect.Effect<void, BenchError>
  readonly restore: Effect.Effect<void, BenchError>
}

const scenario = (bench: Bench, fault: Fault): Effect.Effect<ReadonlyArray<Figure>, BenchError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { cluster, dataset, settings } = bench
      const { concurrency, reads, healthyReads, rawReadsUnderFault } = settings.failing
      const connection = yield* Clients.library(cluster.masterUri, fault.slaveUris)
      const collection = yield* Clients.libraryCollection(connection, dataset.database, dataset.reads)
      const rawCollections: Array<RawCollection<BenchDocument>> = []
      for (const uri of fault.slaveUris) {
        const client = yield* Clients.raw(uri, Clients.rawSlaveOptions(Clients.defaultAttemptTimeoutMillis))
        rawCollections.push(client.db(dataset.database).collection<BenchDocument>(dataset.reads))
      }

      const library = ReadById.library(collection, dataset.documents)
      const raw = ReadById.raw(rawCollections, dataset.documents)

      const healthy = yield* compareSides(
        bench,
        { case: "failing-slave", scenario: fault.healthy, concurrency, slaves: 2 },
        { sides: { library, raw }, ops: healthyReads, warmupOps: Math.ceil(healthyReads / 2) }
      )

      const key: FigureKey = { case: "failing-slave", scenario: fault.name, concurrency, slaves: 2 }
      const faulty = yield* Effect.acquireUseRelease(
        Effect.zipRight(bench.progress(`failing-slave · ${fault.name}`), fault.inject),
        () =>
          Effect.gen(function* () {
            yield* settle
            const onset = yield* library({ ops: reads, concurrency })
            yield* settle
            const naive = yield* raw({ ops: rawReadsUnderFault, concurrency })
            const steady: Array<Sample> = []
            for (let round = 0; round < Math.max(2, settings.rounds - 1); round++) {
              yield* settle
              steady.push(yield* library({ ops: reads, concurrency }))
            }
            return [
              figureOf({ ...key, phase: "onset", baseline: fault.healthy }, "library", [onset]),
              figureOf({ ...key, phase: "steady", baseline: fault.healthy }, "library", steady),
              figureOf(key, "raw", [naive])
            ]
          }),
        () =>
          fault.restore.pipe(
            Effect.catchAll((error) => bench.progress(`could not restore after "${fault.name}": ${error.message}`))
          )
      )
      for (const figure of faulty) {
        yield* bench.progress(`  ${figure.phase ?? "naive"}: ${headline(figure)}`)
      }
      return [...healthy, ...faulty]
    })
  )

const timed = <A, E>(label: string, bench: Bench, effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const started = performance.now()
    const result = yield* effect
    yield* bench.progress(`  ${label} (${Math.round(performance.now() - started)} ms)`)
    return result
  })

/**
 * @since 0.1.0
 */
export const run = (bench: Bench): Effect.Effect<CaseResult, BenchError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { cluster, settings } = bench
      if (cluster.slaveUris.length < 2) {
        return {
          figures: [],
          notes: [],
          skipped: [{ case: "failing-slave" as const, reason: "it needs 2 slaves, the cluster has 1" }]
        }
      }
      const [first, second] = [cluster.slaveUris[0]!, cluster.slaveUris[1]!]
      const figures: Array<Figure> = []
      const skipped: CaseResult["skipped"][number][] = []

      if (cluster.kind === "local") {
        figures.push(
          ...(yield* scenario(bench, {
            name: "slave 1 stopped",
            healthy: "healthy",
            slaveUris: [first, second],
            inject: timed("stopped slave 1", bench, Effect.mapError(cluster.stopSlave(1), during("stop slave 1"))),
            restore: timed(
              "started slave 1 again and waited for it to catch up",
              bench,
              Effect.mapError(
                Effect.zipRight(cluster.startSlave(1), cluster.waitForReplication()),
                during("start slave 1 again")
              )
            )
          }))
        )
      } else {
        skipped.push({
          case: "failing-slave",
          reason:
            "slave stopped: stopping a slave needs the local cluster (MSC_MASTER_URI names a deployment of your own)"
        })
      }

      const proxy = yield* Effect.mapError(
        FaultProxy.make(FaultProxy.targetOf(second)),
        during("start the fault proxy")
      )
      figures.push(
        ...(yield* scenario(bench, {
          name: "slave 1 blackholed",
          healthy: "healthy, slave 1 through the proxy",
          slaveUris: [first, proxy.uri],
          inject: proxy.setMode(FaultProxy.Mode.Blackhole()),
          restore: proxy.setMode(FaultProxy.Mode.Pass())
        }))
      )

      return {
        figures,
        notes: [
          `library: its defaults — attempt timeout ${Clients.defaultAttemptTimeoutMillis} ms, health checks every ` +
            `${Clients.defaultHealthCheckIntervalMillis} ms, random read order — over slave 0 and slave 1 (or the fault ` +
            `proxy in front of slave 1); at concurrency ${settings.failing.concurrency}, ${settings.failing.healthyReads} reads ` +
            `per healthy round, ${settings.failing.reads} per round under a fault`,
          "onset: the first round of reads right after the fault, while the library finds out; steady: later rounds " +
            "(median), once the slave is known to be down",
          `raw (naive): a random one of the two slaves per read, no failover, with serverSelectionTimeoutMS, ` +
            `connectTimeoutMS and socketTimeoutMS = ${Clients.defaultAttemptTimeoutMillis} ms (the library's slave ` +
            `client settings); ${settings.failing.rawReadsUnderFault} reads under each fault, as every read of the bad ` +
            "slave waits for the timeout",
          "stopped: slave 1's FerretDB and PostgreSQL are shut down (connections refused); blackholed: the fault proxy " +
            "accepts connections and data and never answers"
        ],
        skipped
      }
    })
  )
