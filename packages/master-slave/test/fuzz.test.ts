/**
 * The fuzz suite: thousands of arbitrary and adversarial inputs — names,
 * write-concern options, URIs, filters, updates, documents (very deep and
 * very large ones), schemas, sort and projection options, pipelines,
 * closeCursor arguments, staleness bounds, and nulls, numbers and objects
 * where strings belong — through every public operation, on the real
 * cluster. Every case must end as a success or a tagged error of
 * `Errors.ts`: no defect, no throw at the call, no hang (each case has a
 * time limit). File descriptors stay flat, and a write and a read succeed
 * after every batch.
 *
 * Seeded and reproducible: the seed is printed at the start (set it with
 * `MSC_FUZZ_SEED`; `MSC_FUZZ_RUNS` multiplies the number of cases). A failing
 * case is shrunk by fast-check and printed as the code that reproduces it.
 * The outcome counts, by error tag, are printed at the end.
 */
import * as Fs from "node:fs"
import { expect, layer } from "@effect/vitest"
import { Cluster } from "@mongo-master-slave/testkit"
import { Cause, Context, Effect, Exit, FastCheck as fc, Layer, Option, Runtime, type Scope, Stream } from "effect"
import { MongoClient } from "mongodb"
import { afterAll } from "vitest"
import * as Errors from "../src/Errors.js"
import * as Master from "../src/Master.js"
import * as MasterSlaveConnection from "../src/MasterSlaveConnection.js"
import * as Slaves from "../src/Slaves.js"
import {
  type Case,
  type Context as CaseContext,
  consistency,
  cursors,
  layers,
  names,
  reads,
  schemas,
  useItemsNamespace,
  useScratch,
  writeConcern,
  writes
} from "./fuzz/cases.js"
import { seeded, TestCluster } from "./support.js"

const seed = Number(process.env.MSC_FUZZ_SEED ?? 20_261_010)
const scale = Number(process.env.MSC_FUZZ_RUNS ?? 1)
if (!Number.isSafeInteger(seed) || !(scale > 0)) {
  throw new Error(`MSC_FUZZ_SEED must be an integer and MSC_FUZZ_RUNS a positive number, got ${seed} and ${scale}`)
}
console.log(
  `fuzz: seed ${seed} (reproduce with MSC_FUZZ_SEED=${seed}; MSC_FUZZ_RUNS=${scale} multiplies the number of cases)`
)

/** The batches, in order: each its own seed (the base seed plus its index), so one replays alone. */
const batches: ReadonlyArray<{ readonly name: string; readonly cases: fc.Arbitrary<Case>; readonly runs: number }> = [
  { name: "reads", cases: reads, runs: 700 },
  { name: "writes", cases: writes, runs: 600 },
  { name: "names, databases and commands", cases: names, runs: 300 },
  { name: "write concern", cases: writeConcern, runs: 200 },
  { name: "cursors", cases: cursors, runs: 150 },
  { name: "staleness, causal scopes and requests", cases: consistency, runs: 150 },
  { name: "schemas", cases: schemas, runs: 150 },
  { name: "layers and configuration", cases: layers, runs: 120 }
]

/** How long one case may take: past the connection's own budgets (3 s), so those report first. */
const caseTimeout = "8 seconds"

// every class of Errors.ts: the only failures a case may end with
const libraryErrors: ReadonlyArray<abstract new (...args: ReadonlyArray<never>) => Error> = Object.values(
  Errors as Record<string, unknown>
).filter(
  (value): value is abstract new (...args: ReadonlyArray<never>) => Error =>
    typeof value === "function" && value.prototype instanceof Error
)

const isLibraryError = (error: unknown): error is { readonly _tag: string; readonly message: string } =>
  libraryErrors.some((cls) => error instanceof cls)

/** The outcome of every case: `ok` or the error's tag, by operation. */
const outcomes = new Map<string, Map<string, number>>()
let cases = 0
const count = (op: string, outcome: string) => {
  cases++
  const byOutcome = outcomes.get(op) ?? new Map<string, number>()
  byOutcome.set(outcome, (byOutcome.get(outcome) ?? 0) + 1)
  outcomes.set(op, byOutcome)
}

const openFiles = () => Fs.readdirSync("/proc/self/fd").length

class FuzzContext extends Context.Tag("FuzzContext")<FuzzContext, CaseContext>() {}

/** The connection under test, its budgets shorter than a case's time limit, and the fuzz database. */
const FuzzLive = Layer.scoped(
  FuzzContext,
  Effect.gen(function* () {
    const cluster = yield* Cluster.Cluster
    const context = yield* Layer.build(
      MasterSlaveConnection.layer({ readTimeout: "3 seconds" }).pipe(
        Layer.provide(
          Layer.merge(
            Master.layer({ uri: cluster.masterUri, operationTimeout: "3 seconds" }),
            Slaves.layer({ uris: cluster.slaveUris, attemptTimeout: "1 second" })
          )
        )
      )
    )
    const connection = Context.get(context, MasterSlaveConnection.MasterSlaveConnection)
    const items = Array.from({ length: 30 }, (_, i) => ({
      _id: i,
      n: i,
      s: `item ${i}`,
      tags: i % 3 === 0 ? ["a", "b"] : [],
      at: new Date(1_700_000_000_000 + i),
      nested: { n: i, deep: { n: i } }
    }))
    const { database, collection } = yield* seeded(connection, "fuzz", items)
    const writes = yield* database.collection("w")
    useScratch(`${database.name.slice(0, 40)}_s`)
    useItemsNamespace(collection.namespace)
    return {
      connection,
      database,
      items: collection,
      writes,
      scratch: `${database.name.slice(0, 40)}_s`,
      masterUri: cluster.masterUri,
      slaveUris: cluster.slaveUris
    } satisfies CaseContext
  })
)

/** The call, then what follows it, as one effect; anything that is neither an Effect, a Stream nor a Layer is a failure. */
const effectOf = (made: unknown, ctx: CaseContext): Effect.Effect<unknown, unknown, Scope.Scope> | string => {
  if (Effect.isEffect(made)) return made as Effect.Effect<unknown, unknown, Scope.Scope>
  if (typeof made === "object" && made !== null && Stream.StreamTypeId in made) {
    return Stream.runDrain(Stream.take(made as Stream.Stream<unknown, unknown>, 200))
  }
  if (Layer.isLayer(made)) {
    // built, and when it gives a connection, one read through it
    return Effect.flatMap(Layer.build(made as Layer.Layer<unknown, unknown>), (built) =>
      Option.match(Context.getOption(built as Context.Context<never>, MasterSlaveConnection.MasterSlaveConnection), {
        onNone: () => Effect.void,
        onSome: (connection) =>
          connection.database(ctx.database.name).pipe(
            Effect.flatMap((db) => db.collection("items")),
            Effect.flatMap((items) => items.findOne({ _id: 1 }))
          )
      })
    )
  }
  return `returned ${typeof made}, neither an Effect, a Stream nor a Layer`
}

// MSC_FUZZ_LOG=<file> writes every case there, with its outcome and message, to see what the fuzz does
const logFile = process.env.MSC_FUZZ_LOG
const log = (c: Case, outcome: string, message: string) => {
  if (logFile !== undefined) {
    Fs.appendFileSync(
      logFile,
      `${c.op}\t${outcome}\t${message.replace(/\s+/g, " ").slice(0, 400)}\t${c.code.slice(0, 400)}\n`
    )
  }
}

/** Runs one case: its outcome, or why it breaks the rules. */
const runCase = (c: Case, ctx: CaseContext): Effect.Effect<{ readonly outcome: string; readonly broken?: string }> =>
  Effect.gen(function* () {
    let made: unknown
    try {
      made = c.call(ctx)
    } catch (thrown) {
      return { outcome: "thrown", broken: `threw at the call: ${String(thrown)}` }
    }
    const effect = effectOf(made, ctx)
    if (typeof effect === "string") return { outcome: "not an effect", broken: effect }
    const then = c.then
    const whole = then === undefined ? effect : Effect.flatMap(effect, (value) => then(value, ctx))
    const exit = yield* Effect.scoped(whole).pipe(
      // a case that does not end in time is abandoned at once, not waited for
      Effect.disconnect,
      Effect.timeoutOption(caseTimeout),
      Effect.exit
    )
    if (Exit.isSuccess(exit)) {
      log(c, Option.isSome(exit.value) ? "ok" : "hang", "")
      return Option.isSome(exit.value)
        ? { outcome: "ok" }
        : { outcome: "hang", broken: `no outcome within ${caseTimeout}` }
    }
    const failure = Cause.failureOption(exit.cause)
    if (Option.isNone(failure)) {
      return { outcome: "defect", broken: `died or was interrupted: ${Cause.pretty(exit.cause)}` }
    }
    const error = failure.value
    if (!isLibraryError(error)) {
      return { outcome: "foreign error", broken: `failed with a value that is no error of Errors.ts: ${String(error)}` }
    }
    // its message is what a person reads: it must be there, and printable
    let message: unknown
    try {
      message = error.message
      String(error)
    } catch (thrown) {
      return { outcome: error._tag, broken: `${error._tag}'s message threw: ${String(thrown)}` }
    }
    if (typeof message !== "string" || message.length === 0) {
      return { outcome: error._tag, broken: `${error._tag} has no message` }
    }
    log(c, error._tag, message)
    return { outcome: error._tag }
  })

/** Whether a node answers a ping through a client of its own, whatever the connection under test thinks of it. */
const answers = (uri: string) =>
  Effect.acquireUseRelease(
    Effect.sync(() => new MongoClient(uri, { serverSelectionTimeoutMS: 1_000 })),
    (client) =>
      Effect.tryPromise(() => client.db("admin").command({ ping: 1 })).pipe(
        Effect.as(true),
        Effect.orElseSucceed(() => false)
      ),
    (client) => Effect.promise(() => client.close())
  )

let restarts = 0

/**
 * Waits until the connection knows every slave as up. A slave whose server
 * itself no longer answers (FerretDB 1.24 goes down on some inputs it cannot
 * handle, a bug of its own) is restarted, and said so; a slave that answers
 * but stays down for the connection fails the batch: that would be the
 * library's.
 */
const slavesUp = (ctx: CaseContext) =>
  Effect.gen(function* () {
    const up = (statuses: ReadonlyArray<{ readonly down: boolean; readonly slow: boolean }>) =>
      statuses.every((status) => !status.down && !status.slow)
    const wait = Effect.repeat(Effect.delay(ctx.connection.slaveStatus, "20 millis"), { until: up }).pipe(
      Effect.timeoutOption("10 seconds")
    )
    if (Option.isSome(yield* wait)) return
    const cluster = yield* Cluster.Cluster
    for (const [i, uri] of ctx.slaveUris.entries()) {
      if (yield* answers(uri)) continue
      if (cluster.kind !== "local") throw new Error(`slave ${i} (${uri}) stopped answering during the batch`)
      console.warn(`fuzz: slave ${i}'s server stopped answering during the batch (FerretDB went down): restarting it`)
      restarts++
      yield* Effect.orDie(cluster.stopSlave(i))
      yield* Effect.orDie(cluster.startSlave(i))
    }
    const statuses = yield* wait
    if (Option.isNone(statuses)) {
      throw new Error(
        `a slave that answers stays down or slow for the connection: ${JSON.stringify(yield* ctx.connection.slaveStatus)}`
      )
    }
  })

/** After every batch: the connection still writes and reads, on the master and on a slave. */
const sanity = (ctx: CaseContext) =>
  Effect.gen(function* () {
    yield* ctx.connection.setSafe(true)
    yield* ctx.connection.unsetLastErrorOptions()
    const database = yield* ctx.connection.database(ctx.database.name)
    // a collection of its own: the fuzz may leave in "w" documents the server cannot give back
    const sanity = yield* database.collection("sanity")
    const _id = `sanity-${Date.now()}-${Math.random()}`
    yield* sanity.insertOne({ _id })
    expect(yield* ctx.connection.inRequest(sanity.findOne({ _id }))).toEqual(Option.some({ _id }))
    yield* slavesUp(ctx)
    const items = yield* database.collection("items")
    expect(Option.map(yield* items.findOne({ _id: 1 }), (item) => item._id)).toEqual(Option.some(1))
  })

/** Open files, once the closing of what a batch opened has had its moment. */
const filesSettled = (before: number) =>
  Effect.gen(function* () {
    let now = openFiles()
    for (let i = 0; i < 40 && now > before + 16; i++) {
      yield* Effect.sleep("100 millis")
      now = openFiles()
    }
    return now
  })

const started = performance.now()

afterAll(() => {
  const tags = [...new Set([...outcomes.values()].flatMap((byOutcome) => [...byOutcome.keys()]))].sort((a, b) =>
    a === "ok" ? -1 : b === "ok" ? 1 : a.localeCompare(b)
  )
  const totals = new Map(tags.map((tag) => [tag, 0]))
  const rows = [...outcomes.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, byOutcome]) => {
      for (const [tag, n] of byOutcome) totals.set(tag, totals.get(tag)! + n)
      return `| ${op} | ${tags.map((tag) => byOutcome.get(tag) ?? "").join(" | ")} |`
    })
  console.log(
    [
      `fuzz: ${cases} cases in ${((performance.now() - started) / 1000).toFixed(1)} s, seed ${seed}${restarts === 0 ? "" : `, ${restarts} slave(s) restarted after FerretDB went down`}; outcomes by operation:`,
      "",
      `| operation | ${tags.join(" | ")} |`,
      `| --- | ${tags.map(() => "---:").join(" | ")} |`,
      ...rows,
      `| **all** | ${tags.map((tag) => totals.get(tag)).join(" | ")} |`
    ].join("\n")
  )
})

layer(Layer.provideMerge(FuzzLive, TestCluster.layer), { excludeTestServices: true, timeout: "2 minutes" })(
  "fuzz: every input ends as a success or a tagged error",
  (it) => {
    for (const [index, batch] of batches.entries()) {
      it.scoped(
        `${batch.name} (${Math.round(batch.runs * scale)} cases, seed ${seed + index})`,
        () =>
          Effect.gen(function* () {
            const ctx = yield* FuzzContext
            const run = Runtime.runPromise(yield* Effect.runtime<never>())
            const before = openFiles()
            const property = fc.asyncProperty(batch.cases, async (c) => {
              const result = await run(runCase(c, ctx))
              count(c.op, result.outcome)
              if (result.broken !== undefined) throw new Error(`${c.code}\n  ${result.broken}`)
            })
            yield* Effect.tryPromise({
              try: () => fc.assert(property, { seed: seed + index, numRuns: Math.round(batch.runs * scale) }),
              catch: (error) =>
                new Error(
                  `fuzz batch "${batch.name}" failed; rerun it with MSC_FUZZ_SEED=${seed} (its seed: ${seed + index}).\n${
                    error instanceof Error ? error.message : String(error)
                  }`
                )
            }).pipe(Effect.orDie)
            yield* sanity(ctx)
            const after = yield* filesSettled(before)
            // pools grow and shrink a little; a leak grows with the number of cases
            expect(after, `open files before ${before}, after ${after}`).toBeLessThanOrEqual(before + 16)
          }),
        { timeout: 120_000 }
      )
    }
  }
)
