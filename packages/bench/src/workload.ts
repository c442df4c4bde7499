/**
 * Running a workload and timing every operation. Both sides share one
 * concurrency model: `concurrency` workers pull operation numbers from a
 * shared counter until `ops` have been started; each operation is timed with
 * `performance.now()`. The library's workers are fibers running Effects, the
 * raw driver's are async functions awaiting Promises.
 *
 * @since 0.1.0
 */
import * as Os from "node:os"
import * as V8 from "node:v8"
import * as Vm from "node:vm"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { type LatencySummary, summarize } from "./stats.js"

/**
 * How much work one run does.
 *
 * @since 0.1.0
 */
export interface Plan {
  /** Operations in the run. */
  readonly ops: number
  /** Workers running operations at the same time. */
  readonly concurrency: number
}

/**
 * What one run measured.
 *
 * @since 0.1.0
 */
export interface Sample {
  readonly ops: number
  readonly concurrency: number
  readonly elapsedMs: number
  /** Successful operations per second of wall-clock time. */
  readonly opsPerSec: number
  /** The latency of every operation, failed ones included, in milliseconds. */
  readonly latency: LatencySummary
  /**
   * Every operation's latency, in milliseconds, by operation number, when
   * the runner keeps them (`measureEffect`, `measurePromise`): for pooling
   * several runs.
   *
   * @since 0.2.0
   */
  readonly latencies?: Float64Array | undefined
  /** Failed operations. */
  readonly errors: number
  /** The message of the first failure, if any. */
  readonly firstError: string | undefined
  /**
   * Failed operations by what they failed with: the error's `_tag` (e.g.
   * `AllSlavesUnavailable`, `OperationTimeout`), else its class name.
   *
   * @since 0.2.0
   */
  readonly failures: Readonly<Record<string, number>>
  /**
   * CPU used during the run: this process in cores (1 = one core busy), the
   * whole machine as a fraction of all its cores, and this process's CPU time
   * per operation in microseconds.
   */
  readonly cpu: { readonly processCores: number; readonly machineBusy: number; readonly perOpMicros: number }
  /** What a counting runner (`Commands.counting`) saw on the connection's clients during the run, if any. */
  readonly counted?: Counted | undefined
  /**
   * Hedges the library started during the run (`Metrics.hedges`), when a
   * runner counted them (`Hedges.counting`).
   *
   * @since 0.2.0
   */
  readonly hedges?: number | undefined
}

/**
 * Events counted on a connection's clients during a run: the reads of the
 * benchmark's collection each node served, the heartbeats written on the
 * master, and the heartbeat reads (probes) sent to the slaves.
 *
 * @since 0.2.0
 */
export interface Counted {
  /** Reads (`find` commands) of the benchmark's collections by node: `master`, `slave-0`, ... */
  readonly servedBy: Readonly<Record<string, number>>
  readonly heartbeats: number
  readonly probes: number
}

/**
 * The value an operation returns to report its own duration — the part of
 * it that is measured — instead of the whole operation's (see
 * {@link timedPart}).
 *
 * @since 0.2.0
 */
export class Measured {
  constructor(
    /** Milliseconds. */
    readonly millis: number
  ) {}
}

/**
 * Runs an effect and times it alone, inside a larger operation: its value,
 * and a {@link Measured} for the operation to return.
 *
 * @since 0.2.0
 */
export const timedPart = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<readonly [A, Measured], E, R> =>
  Effect.suspend(() => {
    const started = performance.now()
    return Effect.map(self, (value) => [value, new Measured(performance.now() - started)] as const)
  })

/**
 * Runs one side of a comparison with a given plan.
 *
 * @since 0.1.0
 */
export type Runner = (plan: Plan) => Effect.Effect<Sample>

const machineTimes = () => {
  let busy = 0
  let total = 0
  for (const cpu of Os.cpus()) {
    const { user, nice, sys, idle, irq } = cpu.times
    busy += user + nice + sys + irq
    total += user + nice + sys + idle + irq
  }
  return { busy, total }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * What an operation failed with, for counting failures by kind: the error's
 * `_tag` when it has one (the library's errors, `BenchError`), else its class
 * name, else `unknown`.
 *
 * @since 0.2.0
 */
export const kindOf = (error: unknown): string => {
  if (typeof error === "object" && error !== null) {
    const tag = (error as { readonly _tag?: unknown })._tag
    if (typeof tag === "string") return tag
    if (error instanceof Error) return error.name
  }
  return "unknown"
}

/** Per-operation bookkeeping shared by both sides, so they pay the same. */
class Recorder {
  readonly latencies: Float64Array
  errors = 0
  firstError: string | undefined = undefined
  readonly failures: Record<string, number> = {}
  private started = 0
  private cpuStart: NodeJS.CpuUsage = { user: 0, system: 0 }
  private machineStart = { busy: 0, total: 0 }

  constructor(readonly plan: Plan) {
    this.latencies = new Float64Array(plan.ops)
  }

  start(): void {
    this.machineStart = machineTimes()
    this.cpuStart = process.cpuUsage()
    this.started = performance.now()
  }

  fail(error: unknown): void {
    this.errors++
    const kind = kindOf(error)
    this.failures[kind] = (this.failures[kind] ?? 0) + 1
    if (this.firstError === undefined) this.firstError = messageOf(error)
  }

  finish(): Sample {
    const elapsedMs = performance.now() - this.started
    const cpu = process.cpuUsage(this.cpuStart)
    const machine = machineTimes()
    const machineTotal = machine.total - this.machineStart.total
    return {
      ops: this.plan.ops,
      concurrency: this.plan.concurrency,
      elapsedMs,
      opsPerSec: ((this.plan.ops - this.errors) * 1000) / elapsedMs,
      latency: summarize(this.latencies),
      latencies: this.latencies,
      errors: this.errors,
      firstError: this.firstError,
      failures: { ...this.failures },
      cpu: {
        processCores: (cpu.user + cpu.system) / 1000 / elapsedMs,
        machineBusy: machineTotal > 0 ? (machine.busy - this.machineStart.busy) / machineTotal : Number.NaN,
        perOpMicros: (cpu.user + cpu.system) / this.plan.ops
      }
    }
  }
}

/**
 * Runs `op(i, worker)` for `i` in `0..ops-1` as Effects, on `concurrency`
 * worker fibers (`worker`: which one, `0..concurrency-1`). Each operation is
 * timed whole, unless it succeeds with a {@link Measured}: then that is its
 * latency. Failures (and defects) are counted, never raised.
 *
 * @since 0.1.0
 */
export const measureEffect =
  <E>(op: (i: number, worker: number) => Effect.Effect<unknown, E>): Runner =>
  (plan) =>
    Effect.suspend(() => {
      const recorder = new Recorder(plan)
      let next = 0
      const worker = (w: number): Effect.Effect<void> =>
        Effect.suspend(() => {
          if (next >= plan.ops) return Effect.void
          const i = next++
          const started = performance.now()
          return Effect.flatMap(Effect.exit(op(i, w)), (exit) => {
            const millis = performance.now() - started
            if (Exit.isFailure(exit)) {
              recorder.latencies[i] = millis
              recorder.fail(Cause.squash(exit.cause))
            } else {
              recorder.latencies[i] = exit.value instanceof Measured ? exit.value.millis : millis
            }
            return worker(w)
          })
        })
      const workers = Array.from({ length: Math.min(plan.concurrency, plan.ops) }, (_, w) => worker(w))
      return Effect.zipRight(
        Effect.sync(() => recorder.start()),
        Effect.all(workers, { concurrency: "unbounded", discard: true })
      ).pipe(Effect.map(() => recorder.finish()))
    })

/**
 * Runs `op(i)` for `i` in `0..ops-1` as Promises, on `concurrency` async
 * workers. Rejections are counted, never raised.
 *
 * @since 0.1.0
 */
export const measurePromise =
  (op: (i: number) => Promise<unknown>): Runner =>
  (plan) =>
    Effect.promise(async () => {
      const recorder = new Recorder(plan)
      let next = 0
      const worker = async () => {
        while (next < plan.ops) {
          const i = next++
          const started = performance.now()
          try {
            await op(i)
          } catch (error) {
            recorder.fail(error)
          }
          recorder.latencies[i] = performance.now() - started
        }
      }
      recorder.start()
      await Promise.all(Array.from({ length: Math.min(plan.concurrency, plan.ops) }, worker))
      return recorder.finish()
    })

// A full garbage collection between runs, so no run pays for the garbage of
// the one before. `--expose-gc` set at run time only reaches new contexts.
const collectGarbage: (() => void) | undefined = (() => {
  try {
    V8.setFlagsFromString("--expose-gc")
    const gc: unknown = Vm.runInNewContext("gc")
    return typeof gc === "function" ? (gc as () => void) : undefined
  } catch {
    return undefined
  }
})()

// One turn of the event loop. Runs over stub or fake nodes resume every
// operation from a promise that has already resolved, so Effect's scheduler
// stays on the microtask queue for the whole run and a signal (Ctrl-C) would
// not be seen until the case ended.
const turnOfTheEventLoop: Effect.Effect<void> = Effect.async<void>((resume) => {
  setImmediate(() => resume(Effect.void))
})

/**
 * Collects garbage when the runtime allows it, then lets the event loop turn
 * (so a Ctrl-C between runs is seen at once). Every run is preceded by it.
 *
 * @since 0.1.0
 */
export const settle: Effect.Effect<void> = Effect.zipRight(
  Effect.sync(() => collectGarbage?.()),
  turnOfTheEventLoop
)

/**
 * Whether {@link settle} can force a garbage collection.
 *
 * @since 0.1.0
 */
export const canCollectGarbage = collectGarbage !== undefined

/**
 * The order the runners go in, in a given round: the names in turn, starting
 * one further each round, so no runner always goes first (with two runners,
 * they alternate).
 *
 * @since 0.2.0
 */
export const roundOrder = <K>(names: ReadonlyArray<K>, round: number): ReadonlyArray<K> => {
  const start = names.length === 0 ? 0 : round % names.length
  return [...names.slice(start), ...names.slice(0, start)]
}

/**
 * Runs several runners side by side: one warm-up run each, then `rounds`
 * measured runs each, interleaved, the runner that goes first changing from
 * round to round (see {@link roundOrder}), a garbage collection before every
 * run. The measured samples, by runner.
 *
 * @since 0.2.0
 */
export const interleave = <K extends string>(options: {
  readonly runners: ReadonlyArray<readonly [K, Runner]>
  readonly plan: Plan
  readonly warmupOps: number
  readonly rounds: number
}): Effect.Effect<ReadonlyMap<K, ReadonlyArray<Sample>>> =>
  Effect.gen(function* () {
    const { runners, plan } = options
    if (options.warmupOps > 0) {
      for (const [, runner] of runners) {
        yield* settle
        yield* runner({ ...plan, ops: options.warmupOps })
      }
    }
    const samples = new Map<K, Array<Sample>>(runners.map(([name]) => [name, []]))
    for (let round = 0; round < options.rounds; round++) {
      for (const [name, runner] of roundOrder(runners, round)) {
        yield* settle
        samples.get(name)!.push(yield* runner(plan))
      }
    }
    return samples
  })
