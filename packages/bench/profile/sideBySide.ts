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
 * from resampling whole cycles (seeded). Against a cluster of
 * `npm run cluster -- up --slaves 1 --env-file F`, the packages built:
 *
 *   set -a; . F; set +a
 *   node --import tsx packages/bench/profile/sideBySide.ts [write|read] [concurrency] [cycles] [burn µs] [seed]
 *
 * Defaults: write, concurrency 1, 300 cycles, a 25 µs burn, seed 7. A block
 * is 25 operations at concurrency 1, 10 per worker above it.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
// the library's machinery, for the sides that build its call up piece by piece: as
// built, like the library side (run from its sources, tsx would add a call to keep
// each closure's name to every closure made)
import { CallSignal } from "../../master-slave/dist/esm/internal/abort.js"
import { asyncCancelable } from "../../master-slave/dist/esm/internal/asyncCancelable.js"
import { collectionOperation, deadlineIn, readCall, writeCall } from "../../master-slave/dist/esm/internal/driver.js"
import { newDocument } from "../src/cases/writes.js"
import * as Clients from "../src/clients.js"
import { type BenchDocument, document } from "../src/cluster.js"
import { quantileSorted } from "../src/stats.js"

const [kindArg = "write", concurrencyArg = "1", cyclesArg = "300", burnArg = "25", seedArg = "7"] =
  process.argv.slice(2)
if (kindArg !== "write" && kindArg !== "read") throw new Error(`expected write or read, got ${kindArg}`)
const concurrency = Number(concurrencyArg)
const cycles = Number(cyclesArg)
const burnMicros = Number(burnArg)
const seed = Number(seedArg)
const block = concurrency === 1 ? 25 : 10 * concurrency
const masterUri = process.env.MSC_MASTER_URI
const slaveUri = process.env.MSC_SLAVE_URIS?.split(",")[0]
if (masterUri === undefined || slaveUri === undefined) throw new Error("set MSC_MASTER_URI and MSC_SLAVE_URIS")
const documents = 1000
const database = "profile"

/** A seeded generator of numbers in [0, 1) (a linear congruential one: enough to shuffle and resample). */
const random = (start: number) => {
  let state = start >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

/** `f` after spinning for `micros` µs: the CPU work of the calibration side. */
const afterBurning = <A>(micros: number, f: () => A): A => {
  const until = performance.now() + micros / 1000
  while (performance.now() < until) {
    // spinning
  }
  return f()
}

type Side =
  | { readonly name: string; readonly promise: (i: number) => Promise<unknown> }
  | { readonly name: string; readonly effect: (i: number) => Effect.Effect<unknown, unknown> }

/** Runs one block of a side: `block` operations from `first`, on `concurrency` workers; its CPU time. */
const runBlock = (side: Side, first: number, latencies: Float64Array | undefined): Effect.Effect<number> => {
  let next = 0
  const record = (k: number, started: number) => {
    if (latencies !== undefined) latencies[first + k] = performance.now() - started
  }
  if ("promise" in side) {
    return Effect.promise(async () => {
      const cpu = process.cpuUsage()
      const worker = async () => {
        while (next < block) {
          const k = next++
          const started = performance.now()
          await side.promise(first + k)
          record(k, started)
        }
      }
      await Promise.all(Array.from({ length: concurrency }, worker))
      const used = process.cpuUsage(cpu)
      return used.user + used.system
    })
  }
  const worker = (): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (next >= block) return Effect.void
      const k = next++
      const started = performance.now()
      return Effect.flatMap(Effect.exit(side.effect(first + k)), (exit) => {
        if (Exit.isFailure(exit)) return Effect.dieMessage(`${side.name} failed an operation`)
        record(k, started)
        return worker()
      })
    })
  return Effect.suspend(() => {
    const cpu = process.cpuUsage()
    return Effect.map(
      Effect.all(Array.from({ length: concurrency }, worker), { concurrency: "unbounded", discard: true }),
      () => {
        const used = process.cpuUsage(cpu)
        return used.user + used.system
      }
    )
  })
}

const mean = (values: ArrayLike<number>) => {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i]!
  return sum / values.length
}

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
  { name: "raw", promise: (i) => call(i) },
  { name: "thin", effect: (i) => Effect.tryPromise(() => call(i)) },
  { name: "thin again", effect: (i) => Effect.tryPromise(() => call(i)) },
  {
    name: `thin + ${burnMicros} µs CPU`,
    effect: (i) => Effect.tryPromise(() => afterBurning(burnMicros, () => call(i)))
  },
  { name: "Effect.async", effect: (i) => Effect.async(resumedBy(() => call(i))) },
  { name: "+ abort signal", effect: (i) => Effect.async(resumedBy(() => call(i, new CallSignal().asSignal))) },
  {
    name: "+ deadline timer",
    effect: (i) => Effect.async(resumedBy(() => underTimer(() => call(i, new CallSignal().asSignal))))
  },
  {
    name: "+ interruption handler",
    effect: (i) =>
      asyncCancelable((resume) => {
        const signal = new CallSignal()
        resumedBy(() => underTimer(() => call(i, signal.asSignal)))(resume)
        return () => signal.abort(new Error("interrupted"))
      })
  },
  { name: "the library's call", effect: driverCall },
  { name: "library", effect: library }
]

const program = Effect.scoped(
  Effect.gen(function* () {
    const write = kindArg === "write"
    const raw = (yield* Clients.raw(write ? masterUri : slaveUri)).db(database)
    const library = yield* Clients.library(masterUri, [slaveUri])
    const node = { connectionId: write ? -1 : 0, address: write ? "master" : "slave" }
    let sides: ReadonlyArray<Side>
    if (write) {
      const collection = raw.collection("sideBySide")
      const libraryCollection = yield* Clients.libraryCollection(library, database, "sideBySide")
      const operation = collectionOperation("insert", database, "sideBySide", true)
      const insert = (i: number, signal?: AbortSignal) =>
        collection.insertOne(newDocument("raw", i), signal === undefined ? undefined : { signal })
      sides = sidesOf(
        insert,
        (i) => writeCall(node, operation, (signal) => insert(i, signal), deadlineIn(10_000, "operationTimeout")),
        (i) => libraryCollection.insertOne(newDocument("library", i))
      )
    } else {
      const seeded = (yield* Clients.raw(masterUri)).db(database).collection<BenchDocument>("docs")
      if ((yield* Effect.promise(() => seeded.countDocuments())) < documents) {
        yield* Effect.promise(() => seeded.insertMany(Array.from({ length: documents }, (_, i) => document(i))))
      }
      const collection = raw.collection<BenchDocument>("docs")
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
        .collection<BenchDocument>("docs")
      const libraryCollection = yield* Clients.libraryCollection(library, database, "docs")
      const operation = collectionOperation("find", database, "docs", false)
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
          (i) =>
            Effect.flatMap(libraryCollection.findOne({ _id: i % documents }), (found) =>
              found._tag === "Some"
                ? Effect.succeed(found)
                : Effect.fail(new Error(`document ${i % documents} not found`))
            )
        ),
        { name: "thin, slave client's options", effect: (i) => Effect.tryPromise(() => findAsSlaveClient(i)) }
      ]
      // until the slave has the documents
      yield* Effect.tryPromise(async () => {
        // a collection new to the cluster restarts the slaves' servers (see the testkit's waitForReplication)
        const found = () =>
          collection.findOne({ _id: documents - 1 }).then(
            (doc) => doc !== null,
            () => false
          )
        for (let tries = 0; !(await found()); tries++) {
          if (tries === 300) throw new Error("the slave did not serve the documents within 30 s")
          await new Promise((resolve) => setTimeout(resolve, 100))
        }
      })
    }

    // warm-up: every side, 40 blocks
    for (let cycle = 0; cycle < 40; cycle++) for (const side of sides) yield* runBlock(side, 0, undefined)

    const next = random(seed)
    const latencies = sides.map(() => new Float64Array(block * cycles))
    const cpuMicros = sides.map(() => 0)
    const order = sides.map((_, i) => i)
    for (let cycle = 0; cycle < cycles; cycle++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1))
        ;[order[i], order[j]] = [order[j]!, order[i]!]
      }
      for (const index of order) cpuMicros[index]! += yield* runBlock(sides[index]!, cycle * block, latencies[index])
    }

    // the difference of each side from the thin wrapper, p50 and mean, resampling whole cycles
    const thin = latencies[1]!
    const resamples = 400
    const intervals = latencies.map((own) => {
      const p50s: Array<number> = []
      const means: Array<number> = []
      const a = new Float64Array(own.length)
      const b = new Float64Array(own.length)
      for (let r = 0; r < resamples; r++) {
        for (let cycle = 0; cycle < cycles; cycle++) {
          const pick = Math.floor(next() * cycles) * block
          a.set(own.subarray(pick, pick + block), cycle * block)
          b.set(thin.subarray(pick, pick + block), cycle * block)
        }
        means.push((mean(a) - mean(b)) * 1000)
        p50s.push((quantileSorted(a.sort(), 0.5) - quantileSorted(b.sort(), 0.5)) * 1000)
      }
      const bounds = (values: Array<number>) => {
        values.sort((x, y) => x - y)
        return `[${quantileSorted(values, 0.025).toFixed(1)}, ${quantileSorted(values, 0.975).toFixed(1)}]`
      }
      return { p50: bounds(p50s), mean: bounds(means) }
    })

    const thinSorted = Float64Array.from(thin).sort()
    console.log(
      `${kindArg}s at concurrency ${concurrency}: ${cycles} cycles of ${block}-operation blocks per side, seed ${seed}`
    )
    console.log(
      "side                    p50 ms   p99 ms  mean ms  CPU µs/op   p50 vs thin, µs         mean vs thin, µs"
    )
    sides.forEach((side, index) => {
      const sorted = Float64Array.from(latencies[index]!).sort()
      const p50Gap = (quantileSorted(sorted, 0.5) - quantileSorted(thinSorted, 0.5)) * 1000
      const meanGap = (mean(sorted) - mean(thinSorted)) * 1000
      console.log(
        `${side.name.padEnd(22)} ${quantileSorted(sorted, 0.5).toFixed(3).padStart(7)} ${quantileSorted(sorted, 0.99)
          .toFixed(3)
          .padStart(8)} ${mean(sorted).toFixed(3).padStart(8)} ${(cpuMicros[index]! / (block * cycles))
          .toFixed(1)
          .padStart(10)}   ${`${p50Gap.toFixed(1)} ${intervals[index]!.p50}`.padEnd(23)} ${meanGap.toFixed(1)} ${
          intervals[index]!.mean
        }`
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
