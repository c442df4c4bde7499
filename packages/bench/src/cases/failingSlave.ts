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
 * With the blackhole, a third side: the library with hedged reads
 * (`hedge: true`, an adaptive p95 delay), in the healthy baseline beside the
 * others, then under the fault on its own — injected a second time once the
 * first is lifted and the hedged connection has seen the slave answer again,
 * so its onset is an onset too. Its samples carry the hedges it started
 * (`Metrics.hedges`).
 *
 * @since 0.1.0
 */
import { FaultProxy } from "@mongo-master-slave/testkit"
import * as Effect from "effect/Effect"
import type { Collection as RawCollection } from "mongodb"
import * as Clients from "../clients.js"
import type { BenchDocument } from "../cluster.js"
import { type BenchError, during } from "../errors.js"
import { failingScenarios } from "../faultTargets.js"
import * as Hedges from "../hedges.js"
import { type CaseResult, type Figure, type FigureKey, figureOf, type Side } from "../results.js"
import * as SlaveStatus from "../slaveStatus.js"
import { type Runner, type Sample, settle } from "../workload.js"
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
  /** Measure the library with hedged reads too. */
  readonly hedged: boolean
}

/**
 * A library side under the fault: the onset round right after it is
 * injected, then the steady rounds; `between` runs after the onset (the
 * naive raw client's reads). The fault is lifted at the end, whatever happens.
 */
const underFault = (
  bench: Bench,
  fault: Fault,
  side: Side,
  runner: Runner,
  between: Effect.Effect<ReadonlyArray<Figure>, BenchError> = Effect.succeed([])
): Effect.Effect<ReadonlyArray<Figure>, BenchError> => {
  const { concurrency, reads } = bench.settings.failing
  const key: FigureKey = { case: "failing-slave", scenario: fault.name, concurrency, slaves: 2 }
  return Effect.acquireUseRelease(
    Effect.zipRight(bench.progress(`failing-slave · ${fault.name} · ${side}`), fault.inject),
    () =>
      Effect.gen(function* () {
        yield* settle
        const onset = yield* runner({ ops: reads, concurrency })
        const others = yield* between
        const steady: Array<Sample> = []
        for (let round = 0; round < Math.max(2, bench.settings.rounds - 1); round++) {
          yield* settle
          steady.push(yield* runner({ ops: reads, concurrency }))
        }
        return [
          figureOf({ ...key, phase: "onset", baseline: fault.healthy }, side, [onset]),
          figureOf({ ...key, phase: "steady", baseline: fault.healthy }, side, steady),
          ...others
        ]
      }),
    () =>
      fault.restore.pipe(
        Effect.catchAll((error) => bench.progress(`could not restore after "${fault.name}": ${error.message}`))
      )
  )
}

const scenario = (bench: Bench, fault: Fault): Effect.Effect<ReadonlyArray<Figure>, BenchError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { cluster, dataset, settings } = bench
      const { concurrency, healthyReads, rawReadsUnderFault } = settings.failing
      const connection = yield* Clients.library(cluster.masterUri, fault.slaveUris)
      const collection = yield* Clients.libraryCollection(connection, dataset.database, dataset.reads)
      const rawCollections: Array<RawCollection<BenchDocument>> = []
      for (const uri of fault.slaveUris) {
        const client = yield* Clients.raw(uri, Clients.rawSlaveOptions(Clients.defaultAttemptTimeoutMillis))
        rawCollections.push(client.db(dataset.database).collection<BenchDocument>(dataset.reads))
      }

      const library = ReadById.library(collection, dataset.documents)
      const raw = ReadById.raw(rawCollections, dataset.documents)
      const hedgedConnection = fault.hedged
        ? yield* Clients.library(cluster.masterUri, fault.slaveUris, { connection: { hedge: true } })
        : undefined
      const hedged =
        hedgedConnection === undefined
          ? undefined
          : Hedges.counting(
              ReadById.library(
                yield* Clients.libraryCollection(hedgedConnection, dataset.database, dataset.reads),
                dataset.documents
              )
            )

      const healthy = yield* compareSides(
        bench,
        { case: "failing-slave", scenario: fault.healthy, concurrency, slaves: 2 },
        {
          sides: { library, raw, ...(hedged === undefined ? {} : { hedged }) },
          ops: healthyReads,
          warmupOps: Math.ceil(healthyReads / 2)
        }
      )

      const naive = Effect.gen(function* () {
        yield* settle
        const sample = yield* raw({ ops: rawReadsUnderFault, concurrency })
        return [figureOf({ case: "failing-slave", scenario: fault.name, concurrency, slaves: 2 }, "raw", [sample])]
      })
      const faulty = [...(yield* underFault(bench, fault, "library", library, naive))]
      if (hedgedConnection !== undefined && hedged !== undefined) {
        // the hedged connection's prober saw the first fault too: wait until it sees the slave back, warm it again
        const back = yield* SlaveStatus.awaitSlaves(hedgedConnection, "slave 1 back up", SlaveStatus.up(1), 30_000)
        yield* bench.progress(
          `  the hedged connection saw slave 1 back up ${Math.round(back)} ms after the fault was lifted`
        )
        yield* hedged({ ops: Math.ceil(healthyReads / 2), concurrency })
        faulty.push(...(yield* underFault(bench, fault, "hedged", hedged)))
      }
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
            name: failingScenarios.stopped,
            healthy: failingScenarios.stoppedHealthy,
            hedged: false,
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
          name: failingScenarios.blackholed,
          healthy: failingScenarios.blackholedHealthy,
          hedged: true,
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
            `connectTimeoutMS and socketTimeoutMS = ${Clients.defaultAttemptTimeoutMillis} ms (the library's attempt ` +
            `timeout); ${settings.failing.rawReadsUnderFault} reads under each fault, as every read of the bad ` +
            "slave waits for the timeout",
          "stopped: slave 1's FerretDB and PostgreSQL are shut down (connections refused); blackholed: the fault proxy " +
            "accepts connections and data and never answers",
          "library, hedged: a second connection over the same slaves with hedge: true (the next slave's attempt " +
            "starts when the first slave has not answered within its p95 latency; at most 10% of reads hedge), in " +
            "the blackholed scenario: in the healthy rounds beside the others, then under the fault on its own — " +
            "injected again once the first was lifted and this connection had seen slave 1 answer, so its onset is " +
            "one too; hedged: the share of its reads that started a hedge (Metrics.hedges, msc_hedges_total, " +
            "counted over each run)"
        ],
        skipped
      }
    })
  )
