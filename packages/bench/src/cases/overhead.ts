/**
 * Case 7, overhead: the library's own CPU per operation, with no I/O (issue
 * 12's key figure, which the real cluster's CPU column on a shared machine
 * shows only through noise). Over a stub driver client (see `stub.ts`), three
 * sides run the same operation one after another, a fixed number of times:
 *
 * - raw: the stub's Promise, awaited in an async loop;
 * - thin: the stub's Promise in `Effect.tryPromise`, in one long-lived fiber;
 * - library: the connection's `collection.findOne` / `insertOne`, in one
 *   long-lived fiber.
 *
 * The CPU time of the process (`process.cpuUsage()`) over a round, divided
 * by its operations, is the side's cost per operation; rounds are
 * interleaved (the side going first rotating), with a garbage collection
 * before each, and the minimum and median over the rounds are reported.
 * Scenarios: a read over one slave, over two (random order), a write; and
 * the read and the write again with a tracer installed that keeps nothing,
 * for what spans cost when a real tracer is on.
 *
 * @since 0.2.0
 */
import type { Collection } from "@mongo-master-slave/core"
import * as Effect from "effect/Effect"
import { type CpuPerOp, type CpuSide, compareCpu, cpuPerOpOf } from "../cpu.js"
import { type BenchError, during } from "../errors.js"
import type { CaseResult } from "../results.js"
import { roundOrder, settle } from "../workload.js"
import type { Bench } from "./context.js"
import { stubCollection, stubConnection, stubDocument, stubNewDocument, tracerKeepingNothing } from "./stub.js"

interface Scenario {
  readonly name: string
  readonly operation: "findOne" | "insertOne"
  /** Stub slaves of the library's connection. */
  readonly slaves: number
  /** With a tracer installed that keeps nothing. */
  readonly traced: boolean
}

const scenarios: ReadonlyArray<Scenario> = [
  { name: "findOne, 1 slave", operation: "findOne", slaves: 1, traced: false },
  { name: "findOne, 2 slaves (random order)", operation: "findOne", slaves: 2, traced: false },
  { name: "insertOne (master)", operation: "insertOne", slaves: 1, traced: false },
  { name: "findOne, 1 slave, a tracer installed", operation: "findOne", slaves: 1, traced: true },
  { name: "insertOne (master), a tracer installed", operation: "insertOne", slaves: 1, traced: true }
]

/** Runs `ops` operations and gives this process's CPU time per operation, in µs. */
type CpuRunner = (ops: number) => Effect.Effect<number, BenchError>

const perOp = <E>(ops: number, run: Effect.Effect<void, E>, what: string): Effect.Effect<number, BenchError> =>
  Effect.suspend(() => {
    const started = process.cpuUsage()
    return Effect.map(run, () => {
      const used = process.cpuUsage(started)
      return (used.user + used.system) / ops
    })
  }).pipe(Effect.mapError(during(what)))

// one long-lived fiber runs every operation in turn
const sequential =
  <E>(op: (i: number) => Effect.Effect<unknown, E>) =>
  (ops: number): Effect.Effect<void, E> =>
    Effect.gen(function* () {
      for (let i = 0; i < ops; i++) yield* op(i)
    })

const filter = { _id: 1 }

const sides = (scenario: Scenario, collection: Collection.Collection): ReadonlyArray<readonly [CpuSide, CpuRunner]> => {
  const what = (side: CpuSide) => `run ${scenario.name} (${side}) over the stub`
  const read = scenario.operation === "findOne"
  const rawCall: () => Promise<unknown> = read
    ? () => stubCollection.findOne(filter)
    : () => stubCollection.insertOne({ ...stubNewDocument })
  const libraryCall: () => Effect.Effect<unknown, unknown> = read
    ? () => collection.findOne(filter)
    : () => collection.insertOne({ ...stubNewDocument })
  const raw: CpuRunner = (ops) =>
    perOp(
      ops,
      Effect.promise(async () => {
        for (let i = 0; i < ops; i++) await rawCall()
      }),
      what("raw")
    )
  const thin = sequential(() => Effect.tryPromise(rawCall))
  const library = sequential(libraryCall)
  const traced = <E>(run: Effect.Effect<void, E>) =>
    scenario.traced ? Effect.withTracer(run, tracerKeepingNothing) : run
  return [
    ["raw", raw],
    ["thin", (ops) => perOp(ops, traced(thin(ops)), what("thin"))],
    ["library", (ops) => perOp(ops, traced(library(ops)), what("library"))]
  ]
}

const measure = (bench: Pick<Bench, "settings" | "progress">, scenario: Scenario) =>
  Effect.scoped(
    Effect.gen(function* () {
      const { ops, warmupOps, rounds } = bench.settings.overhead
      const connection = yield* stubConnection(scenario.slaves)
      const database = yield* Effect.mapError(connection.database("bench"), during("open the stub database"))
      const collection = yield* Effect.mapError(database.collection("stub"), during("open the stub collection"))
      const runners = sides(scenario, collection)
      for (const [, runner] of runners) {
        yield* settle
        yield* runner(warmupOps)
      }
      const perRound = new Map<CpuSide, Array<number>>(runners.map(([side]) => [side, []]))
      for (let round = 0; round < rounds; round++) {
        for (const [side, runner] of roundOrder(runners, round)) {
          yield* settle
          perRound.get(side)!.push(yield* runner(ops))
        }
      }
      const records = runners.map(([side]) => cpuPerOpOf(scenario.name, side, ops, perRound.get(side)!))
      const [c] = compareCpu(records)
      yield* bench.progress(
        `overhead · ${scenario.name}: raw ${c!.raw.min.toFixed(2)}, thin ${c!.thin.min.toFixed(2)}, library ` +
          `${c!.library.min.toFixed(2)} µs/op (min of ${rounds}); library − thin ${c!.overThin.min.toFixed(2)} µs ` +
          `(median ${c!.overThin.median.toFixed(2)})`
      )
      return records
    })
  )

/**
 * @since 0.2.0
 */
export const run = (bench: Pick<Bench, "settings" | "progress">): Effect.Effect<CaseResult, BenchError> =>
  Effect.gen(function* () {
    const cpuPerOp: Array<CpuPerOp> = []
    for (const scenario of scenarios) cpuPerOp.push(...(yield* measure(bench, scenario)))
    const { ops, rounds } = bench.settings.overhead
    return {
      figures: [],
      cpuPerOp,
      notes: [
        `this process's CPU time (process.cpuUsage(), user + system) over ${ops.toLocaleString("en-US")} operations ` +
          `in a row, per operation; ${rounds} rounds per side after a warm-up, interleaved, a garbage collection ` +
          "before each; min / median over the rounds",
        "over a stub driver client (no I/O: findOne and insertOne resolve at once with a document of the read " +
          "collection, or an acknowledgement); raw: the stub's Promise awaited in an async loop; thin Effect: the " +
          "stub's Promise in Effect.tryPromise, in one long-lived fiber; library: a MasterSlaveConnection over stub " +
          "nodes (Master and Slaves provided with Layer.succeed; its defaults: random read order, attempt timeout " +
          "2 s, health checks every second; heartbeat off), collection.findOne / insertOne in one long-lived fiber",
        `a tracer installed: Effect.withTracer with a tracer whose spans keep nothing (Tracer.make), so the ` +
          `library's spans are made as under a real tracer, at the least cost one could have; without one (the ` +
          `default) Effect's own tracer is in place, and the library makes no spans`,
        `the stub document: ${Object.keys(stubDocument).length} fields (a Date, an array, a 120-character string); ` +
          `the document inserted: ${Object.keys(stubNewDocument).length} fields, the shape of the writes case's ` +
          "(a Date, a 120-character string)"
      ],
      skipped: []
    }
  })
