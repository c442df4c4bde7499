/**
 * Case 8, every slave down: every slave behind a fault proxy, all of them
 * blackholed at once (they accept connections and data and never answer).
 * Two connections of the library over the proxies, with its defaults: one
 * without fallback, whose reads must fail with `AllSlavesUnavailable`, and
 * one with `fallbackToMaster: true`, whose reads the master answers.
 *
 * - onset: reads started right as the slaves begin to hang — how long they
 *   take while the library finds out (the connection without fallback; then
 *   again, once the slaves are back, the one with it);
 * - steady: once `slaveStatus` shows every slave down on both connections,
 *   rounds of reads on each, interleaved with the same reads in a request
 *   (on the master: its own latency as the library reads it) and with the
 *   raw driver reading the master: a known-down slave should cost nothing,
 *   so a read fails, or the master answers, within a few ms of the master's
 *   own latency.
 *
 * @since 0.2.0
 */
import type { MasterSlaveConnection } from "@mongo-master-slave/core"
import { FaultProxy } from "@mongo-master-slave/testkit"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Clients from "../clients.js"
import type { BenchDocument } from "../cluster.js"
import { type BenchError, during } from "../errors.js"
import { allDownScenarios } from "../faultTargets.js"
import { type CaseResult, type Figure, type FigureKey, figureOf } from "../results.js"
import * as SlaveStatus from "../slaveStatus.js"
import { interleave, measureEffect, type Runner, settle } from "../workload.js"
import { type Bench, headline } from "./context.js"
import * as ReadById from "./readById.js"

// how long the library may take to mark every slave down, or to see them all back
const statusTimeoutMillis = 30_000

interface Side {
  readonly connection: MasterSlaveConnection.MasterSlaveConnection
  readonly runner: Runner
  /** The same reads in a request: on the master, the slaves never considered. */
  readonly inRequest: Runner
}

/** When each fault was injected (`performance.now()`), and how it is injected and lifted. */
interface Faults {
  readonly inject: Effect.Effect<number>
  readonly lift: Effect.Effect<void>
}

/**
 * Injects the fault and starts the onset's reads at once, while
 * `knownDown` (given when the fault was injected) watches for every slave
 * to be known down; once both are done, runs `steady`. The fault is lifted
 * at the end, whatever happens.
 */
const onset = (
  bench: Bench,
  key: FigureKey,
  side: Side,
  faults: Faults,
  knownDown: (injectedAt: number) => Effect.Effect<void, BenchError>,
  steady: Effect.Effect<ReadonlyArray<Figure>, BenchError>
): Effect.Effect<ReadonlyArray<Figure>, BenchError> => {
  const { concurrency, onsetReads } = bench.settings.allSlavesDown
  return Effect.acquireUseRelease(
    Effect.zipRight(settle, faults.inject),
    (injectedAt) =>
      Effect.gen(function* () {
        // watched from the moment of the fault, beside the onset's reads
        const down = yield* Effect.fork(knownDown(injectedAt))
        const sample = yield* side.runner({ ops: onsetReads, concurrency })
        const figure = figureOf({ ...key, phase: "onset" }, "library", [sample])
        yield* bench.progress(`  ${key.scenario} (onset): ${headline(figure)}`)
        yield* Fiber.join(down)
        return [figure, ...(yield* steady)]
      }),
    () => faults.lift
  )
}

/**
 * @since 0.2.0
 */
export const run = (bench: Bench): Effect.Effect<CaseResult, BenchError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { cluster, dataset, settings } = bench
      const { concurrency, reads } = settings.allSlavesDown
      const slaveUris = cluster.slaveUris.slice(0, settings.allSlavesDown.slaves)
      const proxies = yield* Effect.forEach(slaveUris, (uri, i) =>
        Effect.mapError(FaultProxy.make(FaultProxy.targetOf(uri)), during(`start the fault proxy of slave ${i}`))
      )
      const faults: Faults = {
        inject: Effect.forEach(proxies, (proxy) => proxy.setMode(FaultProxy.Mode.Blackhole()), {
          discard: true
        }).pipe(Effect.map(() => performance.now())),
        lift: Effect.forEach(proxies, (proxy) => proxy.setMode(FaultProxy.Mode.Pass()), { discard: true })
      }
      const side = (connection: MasterSlaveConnection.MasterSlaveConnection) =>
        Effect.map(Clients.libraryCollection(connection, dataset.database, dataset.reads), (collection): Side => {
          const read = ReadById.libraryRead(collection, dataset.documents)
          return {
            connection,
            runner: measureEffect(read),
            inRequest: measureEffect((i) => connection.inRequest(read(i)))
          }
        })
      const uris = proxies.map((proxy) => proxy.uri)
      const plain = yield* side(yield* Clients.library(cluster.masterUri, uris))
      const fallback = yield* side(
        yield* Clients.library(cluster.masterUri, uris, { connection: { fallbackToMaster: true } })
      )
      const master = yield* Clients.raw(cluster.masterUri)
      const raw = ReadById.raw(
        [master.db(dataset.database).collection<BenchDocument>(dataset.reads)],
        dataset.documents
      )
      const keyOf = (scenario: string): FigureKey => ({
        case: "all-slaves-down",
        scenario,
        concurrency,
        slaves: slaveUris.length
      })
      const waited: Array<string> = []
      // how long after `since` (performance.now()) both connections see the slaves as `holds` wants
      const awaitBoth = (what: string, holds: (statuses: SlaveStatus.Statuses) => boolean, since: number) =>
        Effect.gen(function* () {
          const before = performance.now() - since
          const [a, b] = yield* Effect.all(
            [plain, fallback].map((s) => SlaveStatus.awaitSlaves(s.connection, what, holds, statusTimeoutMillis)),
            { concurrency: "unbounded" }
          )
          const line =
            `${what}: after ${Math.round(before + a!)} ms (the connection without fallback), ` +
            `${Math.round(before + b!)} ms (with fallbackToMaster)`
          waited.push(line)
          yield* bench.progress(`  ${line}`)
        })
      const knownDown = (fault: string) => (injectedAt: number) =>
        awaitBoth(`every slave known down (slaveStatus) since ${fault}`, SlaveStatus.everyDown, injectedAt)
      const backUp = (what: string) =>
        Effect.flatMap(
          Effect.sync(() => performance.now()),
          (liftedAt) => awaitBoth(what, SlaveStatus.everyUp, liftedAt)
        )

      // both connections have read from every slave before the fault
      for (const s of [plain, fallback]) yield* s.runner({ ops: Math.ceil(reads / 2), concurrency })

      const steady = Effect.gen(function* () {
        const samples = yield* interleave({
          runners: [
            ["no fallback", plain.runner],
            ["fallbackToMaster", fallback.runner],
            ["request", fallback.inRequest],
            ["raw", raw]
          ] as const,
          plan: { ops: reads, concurrency },
          warmupOps: Math.ceil(reads / 4),
          rounds: settings.rounds
        })
        const figures = [
          figureOf({ ...keyOf(allDownScenarios.noFallback), phase: "steady" }, "library", samples.get("no fallback")!),
          figureOf(
            { ...keyOf(allDownScenarios.fallback), phase: "steady" },
            "library",
            samples.get("fallbackToMaster")!
          ),
          figureOf(keyOf(allDownScenarios.fallback), "raw", samples.get("raw")!),
          figureOf({ ...keyOf(allDownScenarios.request), phase: "steady" }, "library", samples.get("request")!)
        ]
        for (const figure of figures) yield* bench.progress(`  ${figure.scenario} (steady): ${headline(figure)}`)
        return figures
      })

      yield* bench.progress(`all-slaves-down · ${slaveUris.length} slaves blackholed, no fallback`)
      const figures = [
        ...(yield* onset(bench, keyOf(allDownScenarios.noFallback), plain, faults, knownDown("the fault"), steady))
      ]
      yield* backUp("every slave back up (slaveStatus) since the fault was lifted")

      yield* fallback.runner({ ops: Math.ceil(reads / 2), concurrency })
      yield* bench.progress(`all-slaves-down · ${slaveUris.length} slaves blackholed again, fallbackToMaster`)
      figures.push(
        ...(yield* onset(
          bench,
          keyOf(allDownScenarios.fallback),
          fallback,
          faults,
          knownDown("the second fault"),
          Effect.succeed([])
        ))
      )
      yield* backUp("every slave back up (slaveStatus) since the second fault was lifted")

      return {
        figures,
        notes: [
          `${slaveUris.length} slaves, each behind a fault proxy, all blackholed at once (the proxies accept ` +
            `connections and data and never answer); two connections over them with the library's defaults ` +
            `(attempt timeout ${Clients.defaultAttemptTimeoutMillis} ms, readTimeout 5 s, health checks every ` +
            `${Clients.defaultHealthCheckIntervalMillis} ms, random read order): without fallback, and with ` +
            `fallbackToMaster: true; findOne by _id at concurrency ${concurrency}`,
          `onset: ${settings.allSlavesDown.onsetReads} reads started right as the slaves begin to hang (without ` +
            "fallback; then, once the slaves were back, the fault injected again for the connection with fallback); " +
            `steady: once slaveStatus showed every slave down on both connections, ${settings.rounds} rounds of ` +
            `${reads} reads on each, interleaved with the connection with fallback reading in a request (inRequest: ` +
            "the master, the slaves never considered — the master's own latency as the library reads it) and with " +
            "the raw driver reading the master (a MongoClient on the master); outcome: how the reads ended",
          ...waited
        ],
        skipped: []
      }
    })
  )
