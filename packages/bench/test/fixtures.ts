import type { Counted, Sample } from "../src/workload.js"

/** A sample with the given figures; everything else plausible. */
export const sampleOf = (options: {
  readonly p50: number
  readonly opsPerSec: number
  readonly errors?: number
  readonly perOpMicros?: number
  readonly counted?: Counted
}): Sample => ({
  ops: 1000,
  concurrency: 16,
  elapsedMs: 1000,
  opsPerSec: options.opsPerSec,
  latency: {
    count: 1000,
    p50: options.p50,
    p90: options.p50 * 1.5,
    p99: options.p50 * 2,
    max: options.p50 * 3,
    mean: options.p50 * 1.1
  },
  errors: options.errors ?? 0,
  firstError: (options.errors ?? 0) > 0 ? "boom" : undefined,
  cpu: { processCores: 0.5, machineBusy: 0.9, perOpMicros: options.perOpMicros ?? 500 },
  counted: options.counted
})
