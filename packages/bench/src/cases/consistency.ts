/**
 * Case 6, consistency: what a causal read costs, where it is served, and the
 * heartbeat's load. On one connection over two slaves (the library's
 * defaults: heartbeat every second, `causalWait` 500 ms), four reads run in
 * interleaved rounds at each concurrency:
 *
 * - a plain slave read: `findOne` by `_id`, eventual;
 * - a request read: the same in `inRequest`, on the master;
 * - a causal read right after a write: `causal(updateOne of the worker's own
 *   document, then findOne of it)`, the read timed alone — it must wait for a
 *   heartbeat sent after the write to be acknowledged by the master and shown
 *   by a slave;
 * - a causal read in a scope whose write has replicated: the plain read in
 *   `causalAfter` the position of a write the worker made before the rounds.
 *
 * Command monitoring on the connection's clients counts which node served
 * each read and how many heartbeats were written. Before that, two idle
 * connections, alone in the process, give the heartbeat's load at rest: the
 * default interval, and `maxStaleness: "500 millis"`.
 *
 * @since 0.2.0
 */
import { Consistency, MasterSlaveConnection } from "@mongo-master-slave/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Clients from "../clients.js"
import * as Commands from "../commands.js"
import { BenchError, during } from "../errors.js"
import {
  type CaseResult,
  consistencyReads,
  type Figure,
  figureOf,
  type HeartbeatLoad,
  heartbeatLoad,
  offMasterShare
} from "../results.js"
import { interleave, measureEffect, type Runner, timedPart } from "../workload.js"
import type { Bench } from "./context.js"
import { headline } from "./context.js"
import * as ReadById from "./readById.js"

const monitored = { monitorCommands: true } as const

/** The library's default heartbeat interval, and the one `maxStaleness: "500 millis"` gives (a quarter of it). */
const idleSituations = [
  { situation: "idle connection, default heartbeat", intervalMs: 1_000, connection: {} },
  {
    situation: 'idle connection, maxStaleness "500 millis"',
    intervalMs: 125,
    connection: { maxStaleness: "500 millis" }
  }
] as const

/** The heartbeat's load of one connection left alone for the settings' idle seconds. */
const idleLoad = (
  bench: Bench,
  slaveUris: ReadonlyArray<string>,
  idle: (typeof idleSituations)[number]
): Effect.Effect<HeartbeatLoad, BenchError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const connection = yield* Clients.library(bench.cluster.masterUri, slaveUris, {
        connection: idle.connection,
        clientOptions: monitored
      })
      const counter = yield* Commands.count(connection, [])
      // the first heartbeat, the first probes and the pools' connections are behind us
      yield* Effect.sleep("1 second")
      const before = counter.read()
      const cpu = process.cpuUsage()
      const started = performance.now()
      yield* Effect.sleep(Duration.seconds(bench.settings.consistency.idleSeconds))
      const used = process.cpuUsage(cpu)
      const load = heartbeatLoad({
        situation: idle.situation,
        intervalMs: idle.intervalMs,
        seconds: (performance.now() - started) / 1000,
        counted: Commands.since(before, counter.read()),
        slaves: slaveUris.length,
        processCpuMicros: used.user + used.system
      })
      yield* bench.progress(
        `consistency · ${idle.situation}: ${load.heartbeatsPerSec.toFixed(2)} heartbeats/s, ` +
          `${load.probesPerSecPerSlave.toFixed(2)} probes/s per slave, ${load.processCpuMsPerSec?.toFixed(2)} ms CPU/s`
      )
      return load
    })
  )

/**
 * @since 0.2.0
 */
export const run = (bench: Bench): Effect.Effect<CaseResult, BenchError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { cluster, dataset, settings } = bench
      const slaveUris = cluster.slaveUris.slice(0, 2)
      const idle = yield* Effect.forEach(idleSituations, (situation) => idleLoad(bench, slaveUris, situation))

      const connection = yield* Clients.library(cluster.masterUri, slaveUris, { clientOptions: monitored })
      const counter = yield* Commands.count(connection, [
        { database: dataset.database, collection: dataset.reads },
        { database: dataset.database, collection: dataset.causal }
      ])
      const reads = yield* Clients.libraryCollection(connection, dataset.database, dataset.reads)
      const scoped = yield* Clients.libraryCollection(connection, dataset.database, dataset.causal)
      const read = ReadById.libraryRead(reads, dataset.documents)

      // every value written is new, so a read that shows an older write cannot pass for the one after it
      let written = 0
      const readAfterWrite = measureEffect((_, worker) =>
        MasterSlaveConnection.causal(
          Effect.gen(function* () {
            const value = ++written
            yield* scoped.updateOne({ _id: worker }, { $set: { v: value } })
            const [found, measured] = yield* timedPart(scoped.findOne({ _id: worker }))
            const seen = Option.getOrUndefined(found)?.v
            if (seen !== value) {
              return yield* new BenchError({
                step: "causal read",
                reason: `worker ${worker} wrote v = ${value} and read ${String(seen)}`
              })
            }
            return measured
          })
        )
      )
      // each worker's scope wrote once, before the rounds: its reads need a position the slaves have shown
      const scopePositions = (workers: number) =>
        Effect.forEach(Array.from({ length: workers }), (_, worker) =>
          MasterSlaveConnection.causal(
            Effect.zipRight(scoped.updateOne({ _id: worker }, { $inc: { scopes: 1 } }), Consistency.position)
          ).pipe(
            Effect.mapError(during("write once in each worker's causal scope")),
            Effect.flatMap(
              Option.match({
                onNone: () => Effect.fail(during("take a causal scope's position")("the scope has no position")),
                onSome: Effect.succeed
              })
            )
          )
        )

      const figures: Array<Figure> = []
      for (const concurrency of settings.consistency.concurrencies) {
        const positions = yield* scopePositions(concurrency)
        const runners: ReadonlyArray<readonly [string, Runner]> = [
          [consistencyReads.plain, measureEffect(read)],
          [consistencyReads.request, measureEffect((i) => connection.inRequest(read(i)))],
          [consistencyReads.afterWrite, readAfterWrite],
          [
            consistencyReads.replicated,
            measureEffect((i, worker) => Consistency.causalAfter(read(i), positions[worker]!))
          ]
        ]
        const samples = yield* interleave({
          runners: runners.map(([name, runner]) => [name, Commands.counting(counter, runner)] as const),
          plan: { ops: settings.consistency.ops(concurrency), concurrency },
          warmupOps: settings.consistency.warmupOps(concurrency),
          rounds: settings.rounds
        })
        yield* bench.progress(`consistency · concurrency ${concurrency}`)
        for (const [scenario] of runners) {
          const figure = figureOf(
            { case: "consistency", scenario, concurrency, slaves: slaveUris.length },
            "library",
            samples.get(scenario)!
          )
          figures.push(figure)
          const share = offMasterShare(figure.counted?.servedBy ?? {})
          yield* bench.progress(
            `  ${scenario.padEnd(40)} ${headline(figure)}  off the master ${(share * 100).toFixed(1)}%`
          )
        }
      }

      const underLoad = figures
        .filter((f) => f.scenario === consistencyReads.afterWrite && f.counted !== null)
        .map((f) =>
          heartbeatLoad({
            situation: `causal writes and reads at concurrency ${f.concurrency}`,
            intervalMs: idleSituations[0].intervalMs,
            seconds: f.perRound.reduce((sum, round) => sum + round.elapsedMs, 0) / 1000,
            counted: f.counted!,
            slaves: slaveUris.length,
            causalWrites: f.totalOps
          })
        )

      return {
        figures,
        heartbeats: [...idle, ...underLoad],
        notes: [
          `one MasterSlaveConnection over ${slaveUris.length} slaves with the library's defaults (random read order, ` +
            `causalWait 500 ms, a heartbeat every ${idleSituations[0].intervalMs} ms), command monitoring on every ` +
            "client; the four reads in interleaved rounds at each concurrency",
          `plain: findOne by _id on ${dataset.documents} documents, in turn; request: the same in inRequest (the ` +
            "master); causal, scope's write replicated: the same in Consistency.causalAfter(position) of a write the " +
            "worker made in a causal scope before the rounds, so a slave shows it already",
          "causal right after a write: causal(updateOne of the worker's own document, then findOne of it); p50/p99/max " +
            "are the read alone, timed inside the effect, while ops/s counts write+read pairs; a read that does not " +
            "see its own write counts as failed. It waits for a heartbeat sent after the write to be acknowledged " +
            "by the master and shown by a slave, so it cannot be as cheap as a plain read",
          "off the master: the find commands on the benchmark's collections each node received during the measured " +
            "rounds (command monitoring; the prober's reads of the heartbeat collection are not counted)",
          "heartbeat load: update commands on the heartbeat collection sent to the master; probes: finds of it sent " +
            `to each slave; idle connections are watched for ${settings.consistency.idleSeconds} s alone in the ` +
            "process (their CPU: this whole process meanwhile); under load, heartbeats are coalesced: one in flight " +
            "covers every write acknowledged before it was sent"
        ],
        skipped: []
      }
    })
  )
