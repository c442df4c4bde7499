/**
 * The results of a benchmark run: every figure, the library/raw comparisons
 * and where the library stands against its performance targets. This is what
 * `--json` writes and what the terminal and Markdown reports render.
 *
 * @since 0.1.0
 */
import { type CpuPerOp, cpuTarget } from "./cpu.js"
import { checkFaultTargets } from "./faultTargets.js"
import { median } from "./stats.js"
import { fixed, met, percent, signed, type TargetCheck, verdict } from "./verdicts.js"
import type { Counted, Sample } from "./workload.js"

export type { TargetCheck } from "./verdicts.js"

/**
 * The cases of the benchmark.
 *
 * @since 0.1.0
 */
export type CaseId =
  | "reads"
  | "writes"
  | "failing-slave"
  | "scaling"
  | "routing"
  | "consistency"
  | "overhead"
  | "all-slaves-down"
  | "master-blackholed"

/**
 * Every case, in the order a run goes through them.
 *
 * @since 0.1.0
 */
export const caseIds: ReadonlyArray<CaseId> = [
  "routing",
  "overhead",
  "reads",
  "writes",
  "scaling",
  "failing-slave",
  "all-slaves-down",
  "master-blackholed",
  "consistency"
]

/**
 * The cases that need no cluster: measured first, before it adds noise.
 *
 * @since 0.2.0
 */
export const inMemoryCases: ReadonlyArray<CaseId> = ["routing", "overhead"]

/**
 * Which client ran the operations: the library, the raw driver, the
 * thinnest Effect wrapper of the raw driver (`thin`: `Effect.tryPromise`
 * around the driver's call, nothing else), `effect-mongodb`, or the library
 * with hedged reads on (`hedged`: `hedge: true`).
 *
 * @since 0.1.0
 */
export type Side = "library" | "raw" | "thin" | "effect-mongodb" | "hedged"

/**
 * The reads the consistency case compares, by the scenario names they are
 * reported under.
 *
 * @since 0.2.0
 */
export const consistencyReads = {
  plain: "plain slave read (eventual)",
  request: "request read on the master",
  afterWrite: "causal read right after a write",
  replicated: "causal read, scope's write replicated"
} as const

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
  /**
   * Failed operations by what they failed with (`AllSlavesUnavailable`,
   * `OperationTimeout`, ...), added up over the rounds.
   *
   * @since 0.2.0
   */
  readonly failures: Readonly<Record<string, number>>
  /**
   * Hedges the library started, added up over the rounds (the hedged side);
   * `null` when they were not counted.
   *
   * @since 0.2.0
   */
  readonly hedges: number | null
  /**
   * Median CPU use during a round: this process in cores, the machine as a
   * fraction of all cores, this process's CPU time per operation in µs.
   */
  readonly cpu: { readonly processCores: number; readonly machineBusy: number; readonly perOpMicros: number }
  /** What was counted on the connection's clients, added up over the rounds (consistency case); `null` when nothing was. */
  readonly counted: Counted | null
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
    failures: addFailures(samples.map((sample) => sample.failures)),
    hedges: samples.some((sample) => sample.hedges !== undefined)
      ? samples.reduce((sum, sample) => sum + (sample.hedges ?? 0), 0)
      : null,
    cpu: {
      processCores: median(samples.map((sample) => sample.cpu.processCores)),
      machineBusy: median(samples.map((sample) => sample.cpu.machineBusy)),
      perOpMicros: median(samples.map((sample) => sample.cpu.perOpMicros))
    },
    counted: addCounted(samples.flatMap((sample) => (sample.counted === undefined ? [] : [sample.counted]))),
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
 * Adds up failures by kind over several runs.
 *
 * @since 0.2.0
 */
export const addFailures = (
  failures: ReadonlyArray<Readonly<Record<string, number>>>
): Readonly<Record<string, number>> => {
  const total: Record<string, number> = {}
  for (const counts of failures) {
    for (const [kind, n] of Object.entries(counts)) total[kind] = (total[kind] ?? 0) + n
  }
  return total
}

/**
 * The share of a figure's operations that started a hedge; `NaN` when
 * hedges were not counted.
 *
 * @since 0.2.0
 */
export const hedgeShare = (figure: Pick<Figure, "hedges" | "totalOps">): number =>
  figure.hedges === null || figure.totalOps === 0 ? Number.NaN : figure.hedges / figure.totalOps

/**
 * Adds up what was counted in several runs; `null` for none.
 *
 * @since 0.2.0
 */
export const addCounted = (counts: ReadonlyArray<Counted>): Counted | null => {
  if (counts.length === 0) return null
  const servedBy: Record<string, number> = {}
  for (const count of counts) {
    for (const [node, n] of Object.entries(count.servedBy)) servedBy[node] = (servedBy[node] ?? 0) + n
  }
  return {
    servedBy,
    heartbeats: counts.reduce((sum, count) => sum + count.heartbeats, 0),
    probes: counts.reduce((sum, count) => sum + count.probes, 0)
  }
}

/**
 * The share of reads served by a slave rather than the master; `NaN` for no
 * reads.
 *
 * @since 0.2.0
 */
export const offMasterShare = (servedBy: Readonly<Record<string, number>>): number => {
  const total = Object.values(servedBy).reduce((sum, n) => sum + n, 0)
  return total === 0 ? Number.NaN : 1 - (servedBy.master ?? 0) / total
}

/**
 * A side against the raw driver in one scenario: ratios side/raw, and the
 * CPU per operation it adds. A ratio below 1 is faster (latency) or slower
 * (throughput).
 *
 * @since 0.1.0
 */
export interface Comparison {
  readonly case: CaseId
  readonly scenario: string
  readonly side: Exclude<Side, "raw">
  readonly phase: "onset" | "steady" | null
  readonly concurrency: number
  readonly slaves: number
  readonly p50Ratio: number
  readonly p99Ratio: number
  readonly opsPerSecRatio: number
  /** This process's CPU time per operation, beyond the raw driver's, in µs. */
  readonly extraCpuPerOpMicros: number
}

const sameKey = (a: Figure, b: Figure) =>
  a.case === b.case && a.scenario === b.scenario && a.concurrency === b.concurrency && a.slaves === b.slaves

/**
 * Pairs every figure of another side with the raw figure of the same scenario.
 *
 * @since 0.1.0
 */
export const compare = (figures: ReadonlyArray<Figure>): ReadonlyArray<Comparison> =>
  figures.flatMap((figure) => {
    if (figure.side === "raw") return []
    const raw = figures.find((other) => other.side === "raw" && sameKey(other, figure))
    if (raw === undefined) return []
    return [
      {
        case: figure.case,
        scenario: figure.scenario,
        side: figure.side,
        phase: figure.phase,
        concurrency: figure.concurrency,
        slaves: figure.slaves,
        p50Ratio: figure.p50 / raw.p50,
        p99Ratio: figure.p99 / raw.p99,
        opsPerSecRatio: figure.opsPerSec / raw.opsPerSec,
        extraCpuPerOpMicros: figure.cpu.perOpMicros - raw.cpu.perOpMicros
      }
    ]
  })

const label = (f: Pick<Figure, "case" | "scenario" | "concurrency">) =>
  `${f.case} / ${f.scenario} at concurrency ${f.concurrency}`

/** The figure of another side in the same scenario as `figure`. */
const sideOf = (figures: ReadonlyArray<Figure>, figure: Figure, side: Side) =>
  figures.find((other) => other.side === side && sameKey(other, figure))

/**
 * The library's extra CPU per operation over the thin Effect wrapper's that
 * the target allows, in µs.
 *
 * @since 0.2.0
 */
export const maxExtraCpuOverThinMicros = 15

/**
 * A causal read's p50 over a plain slave read's that the target allows.
 *
 * @since 0.2.0
 */
export const maxCausalP50Ratio = 1.5

/**
 * The share of causal reads the target wants served by slaves.
 *
 * @since 0.2.0
 */
export const minCausalOffMaster = 0.9

const overheadTarget = (figures: ReadonlyArray<Figure>): TargetCheck => {
  const overhead = compare(figures).filter((c) => c.side === "library" && (c.case === "reads" || c.case === "writes"))
  const ok = (c: Comparison) => c.p50Ratio <= 1.05 && c.opsPerSecRatio >= 0.95
  return {
    target:
      "Routed read and write p50 and ops/s within 5% of the raw driver (p50 ratio <= 1.05, ops/s ratio >= 0.95) at every concurrency",
    met: verdict(overhead.map(ok)),
    details: overhead.map(
      (c) =>
        `${c.case} at concurrency ${c.concurrency}${c.slaves === 1 ? " (slave 0 only)" : ""}: p50 ratio ` +
        `${fixed(c.p50Ratio)}, ops/s ratio ${fixed(c.opsPerSecRatio)} ${met(ok(c))}`
    )
  }
}

const failedReadsTarget = (figures: ReadonlyArray<Figure>): TargetCheck => {
  const healthyReads = figures.filter(
    (f) =>
      (f.side === "library" || f.side === "hedged") &&
      (f.case === "reads" || f.case === "scaling" || f.case === "failing-slave" || f.case === "consistency")
  )
  return {
    target: "Zero failed reads while at least one slave is healthy",
    met: verdict(healthyReads.map((f) => f.errors === 0)),
    details: healthyReads.map(
      (f) =>
        `${f.case} / ${f.scenario}${f.phase === null ? "" : ` (${f.phase})`} at concurrency ${f.concurrency}: ` +
        `${f.errors} failed of ${f.totalOps}${f.firstError === null ? "" : ` (first: ${f.firstError})`}`
    )
  }
}

const faultTarget = (figures: ReadonlyArray<Figure>): TargetCheck => {
  const faults = figures.filter(
    (f) => (f.side === "library" || f.side === "hedged") && f.case === "failing-slave" && f.baseline !== null
  )
  const details: Array<string> = []
  const checks: Array<boolean> = []
  for (const fault of faults) {
    const healthy = figures.find(
      (f) => f.side === fault.side && f.case === "failing-slave" && f.scenario === fault.baseline
    )
    if (healthy === undefined) continue
    const ratio = fault.p50 / healthy.p50
    checks.push(ratio <= 1.1)
    details.push(
      `${fault.scenario}${fault.side === "hedged" ? ", hedged" : ""}${fault.phase === null ? "" : ` (${fault.phase})`}: ` +
        `p50 ${fixed(fault.p50, 3)} ms vs healthy ` +
        `${fixed(healthy.p50, 3)} ms = ${fixed(ratio)}x ${met(ratio <= 1.1)}; p99 ${fixed(fault.p99)} ms ` +
        `(healthy ${fixed(healthy.p99)} ms), max ${fixed(fault.max)} ms, ${fixed(fault.opsPerSec, 0)} ops/s ` +
        `(healthy ${fixed(healthy.opsPerSec, 0)})`
    )
  }
  return {
    target: "With a stopped or blackholed slave, p50 stays within 10% of healthy",
    met: verdict(checks),
    details
  }
}

const consistencyFigure = (figures: ReadonlyArray<Figure>, scenario: string, concurrency: number) =>
  figures.find((f) => f.case === "consistency" && f.scenario === scenario && f.concurrency === concurrency)

const causalLatencyTarget = (figures: ReadonlyArray<Figure>): TargetCheck => {
  const checks: Array<boolean> = []
  const details: Array<string> = []
  for (const plain of figures.filter((f) => f.case === "consistency" && f.scenario === consistencyReads.plain)) {
    const replicated = consistencyFigure(figures, consistencyReads.replicated, plain.concurrency)
    const afterWrite = consistencyFigure(figures, consistencyReads.afterWrite, plain.concurrency)
    if (replicated === undefined) continue
    const ratio = replicated.p50 / plain.p50
    checks.push(ratio <= maxCausalP50Ratio)
    details.push(
      `concurrency ${plain.concurrency}: ${consistencyReads.replicated} p50 ${fixed(replicated.p50, 3)} ms vs plain ` +
        `${fixed(plain.p50, 3)} ms = ${fixed(ratio)}x ${met(ratio <= maxCausalP50Ratio)}` +
        (afterWrite === undefined
          ? ""
          : `; beside it, not held to this target, a ${consistencyReads.afterWrite}: p50 ${fixed(afterWrite.p50, 3)} ms ` +
            `= ${fixed(afterWrite.p50 / plain.p50)}x (it waits for a heartbeat sent after the write to be ` +
            "acknowledged by the master and shown by a slave)")
    )
  }
  return {
    target: `Causal read p50 within ${maxCausalP50Ratio}x a plain slave read while replication keeps up (a causal scope whose writes have replicated)`,
    met: verdict(checks),
    details
  }
}

const causalOffMasterTarget = (figures: ReadonlyArray<Figure>): TargetCheck => {
  const causal = figures.filter(
    (f) =>
      f.case === "consistency" &&
      f.counted !== null &&
      (f.scenario === consistencyReads.afterWrite || f.scenario === consistencyReads.replicated)
  )
  const shareOf = (f: Figure) => offMasterShare(f.counted?.servedBy ?? {})
  return {
    target: `At least ${minCausalOffMaster * 100}% of causal reads served by slaves, not the master`,
    met: verdict(causal.map((f) => shareOf(f) >= minCausalOffMaster)),
    details: causal.map(
      (f) =>
        `${f.scenario} at concurrency ${f.concurrency}: ${percent(shareOf(f))} off the master ` +
        `(${Object.entries(f.counted?.servedBy ?? {})
          .map(([node, n]) => `${node} ${n}`)
          .join(", ")}) ${met(shareOf(f) >= minCausalOffMaster)}`
    )
  }
}

const thinCpuTarget = (figures: ReadonlyArray<Figure>): TargetCheck => {
  const checks: Array<boolean> = []
  const details: Array<string> = []
  for (const library of figures.filter((f) => f.side === "library" && (f.case === "reads" || f.case === "writes"))) {
    const thin = sideOf(figures, library, "thin")
    const raw = sideOf(figures, library, "raw")
    if (thin === undefined || raw === undefined) continue
    const beyond = library.cpu.perOpMicros - thin.cpu.perOpMicros
    const ok = beyond <= maxExtraCpuOverThinMicros
    checks.push(ok)
    details.push(
      `${label(library)}: library ${signed(library.cpu.perOpMicros - raw.cpu.perOpMicros)} µs/op over raw, ` +
        `thin wrapper ${signed(thin.cpu.perOpMicros - raw.cpu.perOpMicros)} µs/op: ${fixed(beyond, 1)} µs more ${met(ok)}`
    )
  }
  return {
    target: `The library's extra CPU per operation within ${maxExtraCpuOverThinMicros} µs of the thinnest Effect wrapper's (reads and writes)`,
    met: verdict(checks),
    details
  }
}

const effectMongodbTarget = (figures: ReadonlyArray<Figure>): TargetCheck => {
  const checks: Array<boolean> = []
  const details: Array<string> = []
  for (const library of figures.filter((f) => f.side === "library" && (f.case === "reads" || f.case === "writes"))) {
    const other = sideOf(figures, library, "effect-mongodb")
    if (other === undefined) continue
    const ok = library.p50 <= other.p50 && library.opsPerSec >= other.opsPerSec
    checks.push(ok)
    details.push(
      `${label(library)}: p50 ${fixed(library.p50, 3)} ms vs ${fixed(other.p50, 3)} ms, ` +
        `${fixed(library.opsPerSec, 0)} vs ${fixed(other.opsPerSec, 0)} ops/s ${met(ok)}`
    )
  }
  return {
    target: "The library ahead of effect-mongodb (p50 and ops/s) on every read and write case",
    met: verdict(checks),
    details
  }
}

/**
 * The performance targets, checked against the figures (and the CPU per
 * operation of the `overhead` case).
 *
 * @since 0.1.0
 */
export const checkTargets = (
  figures: ReadonlyArray<Figure>,
  cpuPerOp: ReadonlyArray<CpuPerOp> = []
): ReadonlyArray<TargetCheck> => [
  overheadTarget(figures),
  failedReadsTarget(figures),
  faultTarget(figures),
  thinCpuTarget(figures),
  cpuTarget(cpuPerOp, maxExtraCpuOverThinMicros),
  effectMongodbTarget(figures),
  causalLatencyTarget(figures),
  causalOffMasterTarget(figures),
  ...checkFaultTargets(figures)
]

/**
 * The heartbeat's load in one situation: how often this process writes it on
 * the master, and reads it back from each slave.
 *
 * @since 0.2.0
 */
export interface HeartbeatLoad {
  readonly situation: string
  /** The connection's heartbeat interval, in milliseconds. */
  readonly intervalMs: number
  /** How long it was watched, in seconds. */
  readonly seconds: number
  readonly heartbeats: number
  readonly heartbeatsPerSec: number
  /** Heartbeat reads per second sent to each slave by the connection's prober. */
  readonly probesPerSecPerSlave: number
  /** Writes in causal scopes meanwhile (under a causal workload), else `null`. */
  readonly causalWrites: number | null
  readonly heartbeatsPerCausalWrite: number | null
  /** CPU this process used meanwhile, in ms per second, when the connection was all it ran; else `null`. */
  readonly processCpuMsPerSec: number | null
}

/**
 * The heartbeat's load from what was counted over `seconds`.
 *
 * @since 0.2.0
 */
export const heartbeatLoad = (options: {
  readonly situation: string
  readonly intervalMs: number
  readonly seconds: number
  readonly counted: Counted
  readonly slaves: number
  readonly causalWrites?: number | undefined
  readonly processCpuMicros?: number | undefined
}): HeartbeatLoad => {
  const { seconds, counted, causalWrites, processCpuMicros } = options
  return {
    situation: options.situation,
    intervalMs: options.intervalMs,
    seconds,
    heartbeats: counted.heartbeats,
    heartbeatsPerSec: counted.heartbeats / seconds,
    probesPerSecPerSlave: counted.probes / options.slaves / seconds,
    causalWrites: causalWrites ?? null,
    heartbeatsPerCausalWrite: causalWrites === undefined ? null : counted.heartbeats / causalWrites,
    processCpuMsPerSec: processCpuMicros === undefined ? null : processCpuMicros / 1000 / seconds
  }
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
  /** The heartbeat's load (consistency case). */
  readonly heartbeats?: ReadonlyArray<HeartbeatLoad>
  /**
   * CPU per operation with no I/O (overhead case).
   *
   * @since 0.2.0
   */
  readonly cpuPerOp?: ReadonlyArray<CpuPerOp>
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
  readonly heartbeats: ReadonlyArray<HeartbeatLoad>
  /**
   * CPU per operation with no I/O, by scenario and side (overhead case).
   *
   * @since 0.2.0
   */
  readonly cpuPerOp: ReadonlyArray<CpuPerOp>
  readonly comparisons: ReadonlyArray<Comparison>
  readonly targets: ReadonlyArray<TargetCheck>
  readonly notes: ReadonlyArray<{ readonly case: CaseId | "run"; readonly note: string }>
  readonly skipped: ReadonlyArray<Skipped>
}

/**
 * A report read back from a JSON file, made whole: what an older version did
 * not record is filled in as not measured (`NaN`, `null`, none), and the
 * comparisons and target checks are made again by this version's rules.
 *
 * @since 0.2.0
 */
export const fromSaved = (saved: BenchReport): BenchReport => {
  const partial = saved as Omit<BenchReport, "heartbeats" | "cpuPerOp"> & {
    readonly heartbeats?: ReadonlyArray<HeartbeatLoad>
    readonly cpuPerOp?: ReadonlyArray<CpuPerOp>
  }
  const figures = saved.figures.map((f): Figure => {
    const older = f as Omit<Figure, "failures" | "hedges"> & Partial<Pick<Figure, "failures" | "hedges">>
    return {
      ...f,
      cpu: { ...f.cpu, perOpMicros: typeof f.cpu.perOpMicros === "number" ? f.cpu.perOpMicros : Number.NaN },
      counted: f.counted ?? null,
      failures: older.failures ?? {},
      hedges: older.hedges ?? null
    }
  })
  const cpuPerOp = partial.cpuPerOp ?? []
  return {
    ...saved,
    figures,
    heartbeats: partial.heartbeats ?? [],
    cpuPerOp,
    comparisons: compare(figures),
    targets: checkTargets(figures, cpuPerOp)
  }
}
