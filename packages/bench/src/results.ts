/**
 * The results of a benchmark run: every figure, the library/raw comparisons
 * and where the library stands against its performance targets. This is what
 * `--json` writes and what the terminal and Markdown reports render.
 *
 * @since 0.1.0
 */
import { median } from "./stats.js"
import type { Sample } from "./workload.js"

/**
 * The cases of the benchmark.
 *
 * @since 0.1.0
 */
export type CaseId = "reads" | "writes" | "failing-slave" | "scaling" | "routing"

/**
 * Every case, in the order a run goes through them.
 *
 * @since 0.1.0
 */
export const caseIds: ReadonlyArray<CaseId> = ["routing", "reads", "writes", "scaling", "failing-slave"]

/**
 * Which client ran the operations.
 *
 * @since 0.1.0
 */
export type Side = "library" | "raw"

/**
 * One measured figure: one side of one scenario at one concurrency. Latencies
 * are in milliseconds. `opsPerSec`, the percentiles and `mean` are the median
 * over the rounds; `max` is the worst over all rounds; `errors` and `totalOps`
 * add up every round.
 *
 * @since 0.1.0
 */
export interface Figure {
  readonly case: CaseId
  readonly scenario: string
  readonly side: Side
  /** For a failing slave: the reads right after the fault (`onset`) or once it is known (`steady`). */
  readonly phase: "onset" | "steady" | null
  /** The healthy scenario this one is judged against, for a failing slave. */
  readonly baseline: string | null
  readonly concurrency: number
  readonly slaves: number
  readonly rounds: number
  readonly opsPerRound: number
  readonly totalOps: number
  readonly opsPerSec: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
  readonly mean: number
  readonly errors: number
  readonly firstError: string | null
  /** Median CPU use during a round: this process in cores, the machine as a fraction of all cores. */
  readonly cpu: { readonly processCores: number; readonly machineBusy: number }
  readonly perRound: ReadonlyArray<{
    readonly opsPerSec: number
    readonly p50: number
    readonly p99: number
    readonly max: number
    readonly errors: number
    readonly elapsedMs: number
  }>
}

/**
 * What identifies a figure besides its side.
 *
 * @since 0.1.0
 */
export interface FigureKey {
  readonly case: CaseId
  readonly scenario: string
  readonly concurrency: number
  readonly slaves: number
  readonly phase?: "onset" | "steady" | null
  readonly baseline?: string | null
}

/**
 * The figure of one side from its rounds.
 *
 * @since 0.1.0
 */
export const figureOf = (key: FigureKey, side: Side, samples: ReadonlyArray<Sample>): Figure => {
  const firstError = samples.find((sample) => sample.firstError !== undefined)?.firstError
  return {
    case: key.case,
    scenario: key.scenario,
    side,
    phase: key.phase ?? null,
    baseline: key.baseline ?? null,
    concurrency: key.concurrency,
    slaves: key.slaves,
    rounds: samples.length,
    opsPerRound: samples[0]?.ops ?? 0,
    totalOps: samples.reduce((sum, sample) => sum + sample.ops, 0),
    opsPerSec: median(samples.map((sample) => sample.opsPerSec)),
    p50: median(samples.map((sample) => sample.latency.p50)),
    p90: median(samples.map((sample) => sample.latency.p90)),
    p99: median(samples.map((sample) => sample.latency.p99)),
    max: Math.max(...samples.map((sample) => sample.latency.max)),
    mean: median(samples.map((sample) => sample.latency.mean)),
    errors: samples.reduce((sum, sample) => sum + sample.errors, 0),
    firstError: firstError ?? null,
    cpu: {
      processCores: median(samples.map((sample) => sample.cpu.processCores)),
      machineBusy: median(samples.map((sample) => sample.cpu.machineBusy))
    },
    perRound: samples.map((sample) => ({
      opsPerSec: sample.opsPerSec,
      p50: sample.latency.p50,
      p99: sample.latency.p99,
      max: sample.latency.max,
      errors: sample.errors,
      elapsedMs: sample.elapsedMs
    }))
  }
}

/**
 * The library against the raw driver in one scenario: ratios library/raw.
 * Below 1 the library is faster (latency) or slower (throughput).
 *
 * @since 0.1.0
 */
export interface Comparison {
  readonly case: CaseId
  readonly scenario: string
  readonly phase: "onset" | "steady" | null
  readonly concurrency: number
  readonly slaves: number
  readonly p50Ratio: number
  readonly p99Ratio: number
  readonly opsPerSecRatio: number
}

const sameKey = (a: Figure, b: Figure) =>
  a.case === b.case && a.scenario === b.scenario && a.concurrency === b.concurrency && a.slaves === b.slaves

/**
 * Pairs every library figure with the raw figure of the same scenario.
 *
 * @since 0.1.0
 */
export const compare = (figures: ReadonlyArray<Figure>): ReadonlyArray<Comparison> =>
  figures.flatMap((library) => {
    if (library.side !== "library") return []
    const raw = figures.find((figure) => figure.side === "raw" && sameKey(figure, library))
    if (raw === undefined) return []
    return [
      {
        case: library.case,
        scenario: library.scenario,
        phase: library.phase,
        concurrency: library.concurrency,
        slaves: library.slaves,
        p50Ratio: library.p50 / raw.p50,
        p99Ratio: library.p99 / raw.p99,
        opsPerSecRatio: library.opsPerSec / raw.opsPerSec
      }
    ]
  })

/**
 * Where the library stands against one target: met, not met, or not measured
 * in this run (`null`), with the figures behind the verdict.
 *
 * @since 0.1.0
 */
export interface TargetCheck {
  readonly target: string
  readonly met: boolean | null
  readonly details: ReadonlyArray<string>
}

const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : "n/a")

const verdict = (checks: ReadonlyArray<boolean>): boolean | null => (checks.length === 0 ? null : checks.every(Boolean))

/**
 * The performance targets, checked against the figures.
 *
 * @since 0.1.0
 */
export const checkTargets = (figures: ReadonlyArray<Figure>): ReadonlyArray<TargetCheck> => {
  const overhead = compare(figures).filter((c) => c.case === "reads" || c.case === "writes")
  const overheadChecks = overhead.map((c) => c.p50Ratio <= 1.05)

  const healthyReads = figures.filter(
    (f) => f.side === "library" && (f.case === "reads" || f.case === "scaling" || f.case === "failing-slave")
  )
  const failedChecks = healthyReads.map((f) => f.errors === 0)

  const faults = figures.filter((f) => f.side === "library" && f.case === "failing-slave" && f.baseline !== null)
  const faultDetails: Array<string> = []
  const faultChecks: Array<boolean> = []
  for (const fault of faults) {
    const healthy = figures.find(
      (f) => f.side === "library" && f.case === "failing-slave" && f.scenario === fault.baseline
    )
    if (healthy === undefined) continue
    const ratio = fault.p50 / healthy.p50
    faultChecks.push(ratio <= 1.1)
    faultDetails.push(
      `${fault.scenario}${fault.phase === null ? "" : ` (${fault.phase})`}: p50 ${fixed(fault.p50, 3)} ms vs healthy ` +
        `${fixed(healthy.p50, 3)} ms = ${fixed(ratio)}x ${ratio <= 1.1 ? "(met)" : "(NOT met)"}; p99 ${fixed(fault.p99)} ms ` +
        `(healthy ${fixed(healthy.p99)} ms), max ${fixed(fault.max)} ms, ${fixed(fault.opsPerSec, 0)} ops/s ` +
        `(healthy ${fixed(healthy.opsPerSec, 0)})`
    )
  }

  return [
    {
      target: "Routed read and write p50 within 5% of the raw driver (ratio <= 1.05) at every concurrency",
      met: verdict(overheadChecks),
      details: overhead.map(
        (c) =>
          `${c.case} at concurrency ${c.concurrency}: p50 ratio ${fixed(c.p50Ratio)} ${c.p50Ratio <= 1.05 ? "(met)" : "(NOT met)"}` +
          `, ops/s ratio ${fixed(c.opsPerSecRatio)}`
      )
    },
    {
      target: "Zero failed reads while at least one slave is healthy",
      met: verdict(failedChecks),
      details: healthyReads.map(
        (f) =>
          `${f.case} / ${f.scenario}${f.phase === null ? "" : ` (${f.phase})`} at concurrency ${f.concurrency}: ` +
          `${f.errors} failed of ${f.totalOps}${f.firstError === null ? "" : ` (first: ${f.firstError})`}`
      )
    },
    {
      target: "With a stopped or blackholed slave, p50 stays within 10% of healthy",
      met: verdict(faultChecks),
      details: faultDetails
    }
  ]
}

/**
 * The machine a run happened on.
 *
 * @since 0.1.0
 */
export interface Machine {
  readonly cpuModel: string
  readonly cores: number
  readonly memoryGiB: number
  readonly os: string
  readonly node: string
  readonly versions: Readonly<Record<string, string>>
}

/**
 * A case that did not run, and why.
 *
 * @since 0.1.0
 */
export interface Skipped {
  readonly case: CaseId
  readonly reason: string
}

/**
 * What a case produced.
 *
 * @since 0.1.0
 */
export interface CaseResult {
  readonly figures: ReadonlyArray<Figure>
  /** Settings and observations a reader needs to read the figures (timeouts used, what limits it). */
  readonly notes: ReadonlyArray<string>
  readonly skipped: ReadonlyArray<Skipped>
}

/**
 * A whole run, as `--json` writes it.
 *
 * @since 0.1.0
 */
export interface BenchReport {
  readonly format: "mongo-master-slave-bench/1"
  readonly mode: "quick" | "full"
  readonly command: string
  readonly startedAt: string
  readonly finishedAt: string
  readonly durationSeconds: number
  readonly machine: Machine
  readonly cluster: { readonly kind: "local" | "external"; readonly slaves: number; readonly description: string }
  readonly settings: Readonly<Record<string, unknown>>
  readonly figures: ReadonlyArray<Figure>
  readonly comparisons: ReadonlyArray<Comparison>
  readonly targets: ReadonlyArray<TargetCheck>
  readonly notes: ReadonlyArray<{ readonly case: CaseId | "run"; readonly note: string }>
  readonly skipped: ReadonlyArray<Skipped>
}
