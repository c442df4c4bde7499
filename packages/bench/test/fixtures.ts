import { failingScenarios } from "../src/faultTargets.js"
import { type BenchReport, checkTargets, compare, type Figure, type FigureKey } from "../src/results.js"
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

/** The key of a figure of the failing-slave case (2 slaves, concurrency 16); a phase: one under the fault. */
export const failingKey = (scenario: string, phase: "onset" | "steady" | null = null): FigureKey => ({
  case: "failing-slave",
  scenario,
  concurrency: 16,
  slaves: 2,
  phase,
  baseline: phase === null ? null : failingScenarios.blackholedHealthy
})

/** A report of a quick run over `figures`, its comparisons and target checks made from them. */
export const reportOf = (figures: ReadonlyArray<Figure>, overrides: Partial<BenchReport> = {}): BenchReport => {
  const cpuPerOp = overrides.cpuPerOp ?? []
  return {
    format: "mongo-master-slave-bench/1",
    mode: "quick",
    command: "npm run bench -- --quick",
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:01:00.000Z",
    durationSeconds: 60,
    machine: { cpuModel: "Test CPU", cores: 2, memoryGiB: 4, os: "Linux", node: "v20.19.0", versions: {} },
    cluster: { kind: "local", slaves: 2, description: "a test cluster" },
    settings: {},
    figures,
    heartbeats: [],
    cpuPerOp,
    comparisons: compare(figures),
    targets: checkTargets(figures, cpuPerOp),
    notes: [],
    skipped: [],
    ...overrides
  }
}
