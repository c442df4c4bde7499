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
  /** Failed operations. */
  readonly errors: number
  /** The message of the first failure, if any. */
  readonly firstError: string | undefined
  /**
   * CPU used during the run: this process in cores (1 = one core busy), the
   * whole machine as a fraction of all its cores, and this process's CPU time
   * per operation in microseconds.
   */
  readonly cpu: { readonly processCores: number; readonly machineBusy: number; readonly perOpMicros: number }
}

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

/** Per-operation bookkeeping shared by both sides, so they pay the same. */
class Recorder {
  readonly latencies: Float64Array
  errors = 0
  firstError: string | undefined = undefined
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

  fail(message: string): void {
    this.errors++
    if (this.firstError === undefined) this.firstError = message
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
      errors: this.errors,
      firstError: this.firstError,
      cpu: {
        processCores: (cpu.user + cpu.system) / 1000 / elapsedMs,
        machineBusy: machineTotal > 0 ? (machine.busy - this.machineStart.busy) / machineTotal : Number.NaN,
        perOpMicros: (cpu.user + cpu.system) / this.plan.ops
      }
    }
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * Runs `op(i)` for `i` in `0..ops-1` as Effects, on `concurrency` worker
 * fibers. Failures (and defects) are counted, never raised.
 *
 * @since 0.1.0
 */
export const measureEffect =
  <E>(op: (i: number) => Effect.Effect<unknown, E>): Runner =>
  (plan) =>
    Effect.suspend(() => {
      const recorder = new Recorder(plan)
      let next = 0
      const worker: Effect.Effect<void> = Effect.suspend(() => {
        if (next >= plan.ops) return Effect.void
        const i = next++
        const started = performance.now()
        return Effect.flatMap(Effect.exit(op(i)), (exit) => {
          recorder.latencies[i] = performance.now() - started
          if (Exit.isFailure(exit)) {
            const failure = Cause.squash(exit.cause)
            recorder.fail(messageOf(failure))
          }
          return worker
        })
      })
      const workers = Array.from({ length: Math.min(plan.concurrency, plan.ops) }, () => worker)
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
            recorder.fail(messageOf(error))
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

/**
 * Collects garbage when the runtime allows it.
 *
 * @since 0.1.0
 */
export const settle: Effect.Effect<void> = Effect.sync(() => collectGarbage?.())

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
