import type { Counted, Sample } from "../src/workload.js"

/** A sample with the given figures; everything else plausible. */
export const sampleOf = (options: {
  readonly p50: number
  readonly opsPerSec: number
  readonly p99?: number
  readonly max?: number
  readonly ops?: number
  readonly errors?: number
  /** Failures by kind; their sum is the errors unless `errors` says otherwise. */
  readonly failures?: Readonly<Record<string, number>>
  readonly hedges?: number
  readonly perOpMicros?: number
  readonly counted?: Counted
}): Sample => {
  const failures = options.failures ?? ((options.errors ?? 0) > 0 ? { Error: options.errors! } : {})
  const errors = options.errors ?? Object.values(failures).reduce((sum, n) => sum + n, 0)
  return {
    ops: options.ops ?? 1000,
    concurrency: 16,
    elapsedMs: 1000,
    opsPerSec: options.opsPerSec,
    latency: {
      count: options.ops ?? 1000,
      p50: options.p50,
      p90: options.p50 * 1.5,
      p99: options.p99 ?? options.p50 * 2,
      max: options.max ?? options.p50 * 3,
      mean: options.p50 * 1.1
    },
    errors,
    firstError: errors > 0 ? "boom" : undefined,
    failures,
    cpu: { processCores: 0.5, machineBusy: 0.9, perOpMicros: options.perOpMicros ?? 500 },
    counted: options.counted,
    hedges: options.hedges
  }
}
