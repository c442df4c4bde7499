/**
 * The library's reads or writes against the raw driver and the thinnest
 * Effect wrapper, measured finely enough to tell a few microseconds apart on
 * a real cluster. The bench's rounds run each side for seconds at a time,
 * and the cluster's own pace drifts by more than the difference between the
 * sides over that long; here the sides take turns in short blocks (25
 * operations at concurrency 1), in an order shuffled anew every cycle, and
 * each side's latencies are pooled over all its blocks. Beside them:
 *
 * - `thin again`: the thin wrapper a second time, a control — how far two
 *   identical sides land apart is the method's own error;
 * - `thin + N µs CPU`: the thin wrapper burning N µs of CPU before each
 *   call, a calibration — what N µs of work on the operation's path does to
 *   its latency here;
 * - the library's call built up one piece at a time, each side the one
 *   before it with one more piece of what the library does around a driver
 *   call: `Effect.async` in place of `Effect.tryPromise`, then the abort
 *   signal the driver is given, a deadline timer, the handler that aborts
 *   the call when the fiber is interrupted (`asyncCancelable`), then the
 *   library's own driver call (`writeCall`/`readCall`, its bookkeeping
 *   included) — what each piece costs on the real path;
 * - for reads, `thin, slave client's options`: the thin wrapper on a client
 *   made with the options the library gives its slave clients (read
 *   preference `secondaryPreferred`, no driver retries, a socket timeout as
 *   a backstop, its timeouts): what those options cost the driver's read.
 *
 * Each side's difference from the thin wrapper comes with a 95% interval,
 * from resampling whole cycles (seeded). On the cluster of
 * `profileCluster.ts` (a local one, unless MSC_MASTER_URI/MSC_SLAVE_URIS
 * name one), with the packages built:
 *
 *   node --import tsx packages/bench/profile/sideBySide.ts [write|read] [concurrency] [cycles] [burn µs] [seed]
 *
 * Defaults: write, concurrency 1, 300 cycles, a 25 µs burn, seed 7. A block
 * is 25 operations at concurrency 1, 10 per worker above it.
 */
import * as Effect from "effect/Effect"
// the library's machinery, for the sides that build its call up piece by piece: as
// built, like the library side (run from its sources, tsx would add a call to keep
// each closure's name to every closure made)
import { CallSignal } from "../../master-slave/dist/esm/internal/abort.js"
import { asyncCancelable } from "../../master-slave/dist/esm/internal/asyncCancelable.js"
import { collectionOperation, deadlineIn, readCall, writeCall } from "../../master-slave/dist/esm/internal/driver.js"
import * as ReadById from "../src/cases/readById.js"
import { newDocument } from "../src/cases/writes.js"
import * as Prng from "../src/chaos/prng.js"
import * as Clients from "../src/clients.js"
import type { BenchDocument } from "../src/cluster.js"
import { quantileSorted, summarize } from "../src/stats.js"
import { measureEffect, measurePromise, type Runner, type Sample } from "../src/workload.js"
import { profileCluster } from "./profileCluster.js"

const [kindArg = "write", concurrencyArg = "1", cyclesArg = "300", burnArg = "25", seedArg = "7"] =
  process.argv.slice(2)
if (kindArg !== "write" && kindArg !== "read") throw new Error(`expected write or read, got ${kindArg}`)
const concurrency = Number(concurrencyArg)
const cycles = Number(cyclesArg)
const burnMicros = Number(burnArg)
const seed = Number(seedArg)
const block = concurrency === 1 ? 25 : 10 * concurrency

/** `f` after spinning for `micros` µs: the CPU work of the calibration side. */
const afterBurning = <A>(micros: number, f: () => A): A => {
  const until = performance.now() + micros / 1000
  while (performance.now() < until) {
    // spinning
  }
  return f()
}

// The operations of the current block start at this number, so that every
// block reads other documents (its runner numbers them from 0).
let offset = 0

/** One side: its name and its runner — the bench's own (`measureEffect`, `measurePromise`). */
interface Side {
  readonly name: string
  readonly runner: Runner
}

const promiseSide = (name: string, op: (i: number) => Promise<unknown>): Side => ({
  name,
  runner: measurePromise((i) => op(offset + i))
})

const effectSide = (name: string, op: (i: number) => Effect.Effect<unknown, unknown>): Side => ({
  name,
  runner: measureEffect((i) => op(offset + i))
})

/** Runs one block of a side, its operations numbered from `first`; a failed operation ends the run. */
const runBlock = (side: Side, first: number): Effect.Effect<Sample> =>
  Effect.suspend(() => {
    offset = first
    return Effect.filterOrDieMessage(
      side.runner({ ops: block, concurrency }),
      (sample) => sample.errors === 0,
      `${side.name} failed an operation`
    )
  })

/** A wait for `Effect.async`: starts the driver's call and resumes with its outcome. */
const resumedBy =
  <A>(start: () => Promise<A>) =>
  (resume: (effect: Effect.Effect<A, unknown>) => void) => {
    start().then(
      (value) => resume(Effect.succeed(value)),
      (error) => resume(Effect.fail(error))
    )
  }

/** The promise, with a deadline timer set before and cleared once it settles. */
const underTimer = <A>(start: () => Promise<A>): Promise<A> => {
  const timer = setTimeout(() => {}, 10_000)
  return start().finally(() => clearTimeout(timer))
}

/**
 * The sides every run compares: the raw driver, the thin wrapper (twice),
 * the calibration, then the library's call built up one piece at a time —
 * each side is the one before with one more piece of what the library does
 * around a driver call — and the library itself.
 */
const sidesOf = (
  call: (i: number, signal?: AbortSignal) => Promise<unknown>,
  driverCall: (i: number) => Effect.Effect<unknown, unknown>,
  library: (i: number) => Effect.Effect<unknown, unknown>
): Array<Side> => [
  promiseSide("raw", (i) => call(i)),
  effectSide("thin", (i) => Effect.tryPromise(() => call(i))),
  effectSide("thin again", (i) => Effect.tryPromise(() => call(i))),
  effectSide(`thin + ${burnMicros} µs CPU`, (i) => Effect.tryPromise(() => afterBurning(burnMicros, () => call(i)))),
  effectSide("Effect.async", (i) => Effect.async(resumedBy(() => call(i)))),
  effectSide("+ abort signal", (i) => Effect.async(resumedBy(() => call(i, new CallSignal().asSignal)))),
  effectSide("+ deadline timer", (i) =>
    Effect.async(resumedBy(() => underTimer(() => call(i, new CallSignal().asSignal))))
  ),
  effectSide("+ interruption handler", (i) =>
    asyncCancelable((resume) => {
      const signal = new CallSignal()
      resumedBy(() => underTimer(() => call(i, signal.asSignal)))(resume)
      return () => signal.abort(new Error("interrupted"))
    })
  ),
  effectSide("the library's call", driverCall),
  effectSide("library", library)
]

const program = Effect.scoped(
  Effect.gen(function* () {
    const { masterUri, slaveUri, dataset } = yield* profileCluster
    const { database, documents } = dataset
    const write = kindArg === "write"
    const raw = (yield* Clients.raw(write ? masterUri : slaveUri)).db(database)
    const library = yield* Clients.library(masterUri, [slaveUri])
    const node = { connectionId: write ? -1 : 0, address: write ? "master" : "slave" }
    let sides: ReadonlyArray<Side>
    if (write) {
      const collection = raw.collection(dataset.writes)
      const libraryCollection = yield* Clients.libraryCollection(library, database, dataset.writes)
      const operation = collectionOperation("insert", database, dataset.writes, true)
      // the driver reads `signal` from any operation's options; its types declare it on some only
      const insert = (i: number, signal?: AbortSignal) =>
        collection.insertOne(newDocument("raw", i), signal === undefined ? undefined : ({ signal } as object))
      sides = sidesOf(
        insert,
        (i) => writeCall(node, operation, (signal) => insert(i, signal), deadlineIn(10_000, "operationTimeout")),
        (i) => libraryCollection.insertOne(newDocument("library", i))
      )
    } else {
      const collection = raw.collection<BenchDocument>(dataset.reads)
      // the options Slaves.layer gives a slave's client, with its defaults
      const slaveClientOptions = {
        directConnection: true,
        readPreference: "secondaryPreferred",
        retryReads: false,
        serverSelectionTimeoutMS: 2_000,
        connectTimeoutMS: 2_000,
        socketTimeoutMS: 10_000,
        heartbeatFrequencyMS: 10_000
      } as const
      const asSlaveClient = (yield* Clients.raw(slaveUri, slaveClientOptions))
        .db(database)
        .collection<BenchDocument>(dataset.reads)
      const libraryCollection = yield* Clients.libraryCollection(library, database, dataset.reads)
      const operation = collectionOperation("find", database, dataset.reads, false)
      const findIn = (source: typeof collection) => (i: number, signal?: AbortSignal) =>
        source.findOne({ _id: i % documents }, signal === undefined ? undefined : { signal }).then((found) => {
          if (found === null) throw new Error(`document ${i % documents} not found`)
          return found
        })
      const find = findIn(collection)
      const findAsSlaveClient = findIn(asSlaveClient)
      sides = [
        ...sidesOf(
          find,
          (i) =>
            readCall(node, operation, (signal) => find(i, signal), {
              deadline: deadlineIn(2_000, "attemptTimeout")
            }),
          ReadById.libraryRead(libraryCollection, documents)
        ),
        effectSide("thin, slave client's options", (i) => Effect.tryPromise(() => findAsSlaveClient(i)))
      ]
    }

    // warm-up: every side, 40 blocks
    for (let cycle = 0; cycle < 40; cycle++) for (const side of sides) yield* runBlock(side, 0)

    const prng = Prng.make(seed)
    const latencies = sides.map(() => new Float64Array(block * cycles))
    const cpuMicros = sides.map(() => 0)
    const order = sides.map((_, i) => i)
    for (let cycle = 0; cycle < cycles; cycle++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = prng.int(0, i)
        ;[order[i], order[j]] = [order[j]!, order[i]!]
      }
      for (const index of order) {
        const sample = yield* runBlock(sides[index]!, cycle * block)
        latencies[index]!.set(sample.latencies!, cycle * block)
        cpuMicros[index]! += sample.cpu.perOpMicros * block
      }
    }

    // the difference of each side from the thin wrapper, p50 and mean, resampling whole cycles
    const thin = latencies[1]!
    const thinSummary = summarize(thin)
    const resamples = 400
    const intervals = latencies.map((own) => {
      const p50s: Array<number> = []
      const means: Array<number> = []
      const a = new Float64Array(own.length)
      const b = new Float64Array(own.length)
      for (let r = 0; r < resamples; r++) {
        for (let cycle = 0; cycle < cycles; cycle++) {
          const pick = prng.int(0, cycles - 1) * block
          a.set(own.subarray(pick, pick + block), cycle * block)
          b.set(thin.subarray(pick, pick + block), cycle * block)
        }
        const [ofA, ofB] = [summarize(a), summarize(b)]
        means.push((ofA.mean - ofB.mean) * 1000)
        p50s.push((ofA.p50 - ofB.p50) * 1000)
      }
      const bounds = (values: Array<number>) => {
        values.sort((x, y) => x - y)
        return `[${quantileSorted(values, 0.025).toFixed(1)}, ${quantileSorted(values, 0.975).toFixed(1)}]`
      }
      return { p50: bounds(p50s), mean: bounds(means) }
    })

    console.log(
      `${kindArg}s at concurrency ${concurrency}: ${cycles} cycles of ${block}-operation blocks per side, seed ${seed}`
    )
    console.log(
      "side                    p50 ms   p99 ms  mean ms  CPU µs/op   p50 vs thin, µs         mean vs thin, µs"
    )
    sides.forEach((side, index) => {
      const { p50, p99, mean } = summarize(latencies[index]!)
      const gaps = `${((p50 - thinSummary.p50) * 1000).toFixed(1)} ${intervals[index]!.p50}`
      console.log(
        `${side.name.padEnd(22)} ${p50.toFixed(3).padStart(7)} ${p99.toFixed(3).padStart(8)} ${mean
          .toFixed(3)
          .padStart(8)} ${(cpuMicros[index]! / (block * cycles)).toFixed(1).padStart(10)}   ${gaps.padEnd(23)} ${(
          (mean - thinSummary.mean) * 1000
        ).toFixed(1)} ${intervals[index]!.mean}`
      )
    })
  })
)

Effect.runPromise(program).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
