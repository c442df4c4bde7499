/**
 * The chaos run's report: what it did, how fast, and the checks — as a
 * terminal table and as JSON. Pure.
 *
 * @since 0.2.0
 */
import { summarize } from "../stats.js"
import type { Check } from "./checks.js"
import { type ChaosConfig, type FaultKind, faultKinds } from "./config.js"
import type { Findings } from "./quirks.js"
import { type FaultRecord, type OpKind, type OpRecord, opKinds, type Stall } from "./records.js"

/**
 * Throughput and latency of one kind of operation.
 *
 * @since 0.2.0
 */
export interface OpStats {
  readonly kind: OpKind
  readonly count: number
  readonly ok: number
  readonly failed: number
  /** Successful operations per second of the workload's time. */
  readonly okPerSec: number
  /** Latency of every operation, failed ones included, in milliseconds. */
  readonly p50: number
  readonly p99: number
  readonly max: number
}

/**
 * Per-kind figures of the operations (kinds with none are left out).
 *
 * @since 0.2.0
 */
export const operationStats = (ops: ReadonlyArray<OpRecord>, seconds: number): ReadonlyArray<OpStats> =>
  opKinds.flatMap((kind) => {
    const of = ops.filter((op) => op.kind === kind)
    if (of.length === 0) return []
    const latency = summarize(of.map((op) => op.end - op.start))
    const ok = of.filter((op) => op.ok).length
    return [
      {
        kind,
        count: of.length,
        ok,
        failed: of.length - ok,
        okPerSec: seconds > 0 ? ok / seconds : Number.NaN,
        p50: latency.p50,
        p99: latency.p99,
        max: latency.max
      }
    ]
  })

/**
 * How many faults of each kind were injected.
 *
 * @since 0.2.0
 */
export const faultCounts = (faults: ReadonlyArray<FaultRecord>): Readonly<Record<FaultKind, number>> =>
  Object.fromEntries(faultKinds.map((kind) => [kind, faults.filter((f) => f.kind === kind).length])) as Record<
    FaultKind,
    number
  >

/**
 * How late the event loop ran during the workload.
 *
 * @since 0.2.0
 */
export interface LoopDelay {
  /** Stalls of 100 ms or more. */
  readonly stalls: number
  /** The longest, in milliseconds, and when (seconds from the start of the workload). */
  readonly max: number
  readonly maxAt: number | undefined
  /** Milliseconds stalled in all. */
  readonly total: number
}

/**
 * Summarises the stalls of a run.
 *
 * @since 0.2.0
 */
export const loopDelay = (stalls: ReadonlyArray<Stall>, origin: number): LoopDelay => {
  const long = stalls.filter((s) => s.millis >= 100)
  const worst = long.reduce<Stall | undefined>((a, s) => (a === undefined || s.millis > a.millis ? s : a), undefined)
  return {
    stalls: long.length,
    max: worst?.millis ?? 0,
    maxAt: worst === undefined ? undefined : Math.round(worst.at - origin) / 1000,
    total: long.reduce((sum, s) => sum + s.millis, 0)
  }
}

/**
 * The whole report, as written with `--json`.
 *
 * @since 0.2.0
 */
export interface ChaosReport {
  readonly format: "mongo-master-slave-chaos/1"
  readonly seed: number
  readonly durationSeconds: number
  readonly command: string
  readonly reproduce: string
  readonly startedAt: string
  readonly finishedAt: string
  readonly wallSeconds: number
  readonly machine: {
    readonly cpus: number
    readonly model: string
    readonly node: string
    readonly loadAverage: ReadonlyArray<number>
  }
  readonly config: ChaosConfig
  /** Seconds from the start of the workload. */
  readonly phases: {
    readonly mainEnd: number
    readonly final?: {
      readonly start: number
      readonly allDown: number
      readonly stopped: number
      readonly liftAt: number
      readonly end: number
    }
    readonly workloadEnd: number
  }
  readonly quirks: Findings & { readonly lines: ReadonlyArray<string> }
  /**
   * Every fault. Its times (`at`, `injectedAt`, ...) in seconds from the start
   * of the workload; `duration` and `amount` in milliseconds.
   */
  readonly faults: ReadonlyArray<FaultRecord>
  /** Faults of the main phase, by kind. */
  readonly faultCounts: Readonly<Record<FaultKind, number>>
  /** By phase: the main phase (operations started before it ended), and the final one. */
  readonly operations: { readonly main: ReadonlyArray<OpStats>; readonly final: ReadonlyArray<OpStats> }
  readonly checks: ReadonlyArray<Check>
  readonly oracle: {
    readonly probes: number
    readonly failedProbes: number
    readonly proxyProbes: number
    readonly failedProxyProbes: number
    readonly markers: { readonly acked: number; readonly failed: number }
  }
  readonly eventLoopDelay: LoopDelay
  /** The library's warnings, and fibers that ended with a typed failure (not counted: see `Defects`). */
  readonly logs: { readonly warnings: number; readonly examples: ReadonlyArray<string>; readonly fiberFailures: number }
  readonly acknowledgedInserts: number
  readonly passed: boolean
}

// examples per check printed on the terminal
const shown = 5

const pad = (text: string, width: number, right = false) => (right ? text.padStart(width) : text.padEnd(width))

/**
 * A plain text table (first column left-aligned, the rest right-aligned).
 *
 * @since 0.2.0
 */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, i) => pad(cell, widths[i]!, i > 0))
      .join("  ")
      .trimEnd()
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n")
}

const ms = (value: number) => (Number.isNaN(value) ? "-" : value < 10 ? value.toFixed(1) : Math.round(value).toString())

/**
 * Times of a fault record, relative to `origin`, in seconds with millisecond precision.
 *
 * @since 0.2.0
 */
export const relativeFault = (fault: FaultRecord, origin: number): FaultRecord => {
  const rel = (t: number | undefined) => (t === undefined ? undefined : Math.round(t - origin) / 1000)
  return {
    ...fault,
    at: fault.at / 1000,
    injectedAt: rel(fault.injectedAt)!,
    injectedDone: rel(fault.injectedDone)!,
    liftedAt: rel(fault.liftedAt),
    liftedDone: rel(fault.liftedDone)
  }
}

/**
 * The report for the terminal.
 *
 * @since 0.2.0
 */
export const renderTerminal = (report: ChaosReport): string => {
  const out: Array<string> = []
  out.push(
    `chaos run — seed ${report.seed}, ${report.durationSeconds} s of workload, ${report.config.slaves} slaves, ` +
      `${report.machine.cpus} cores (${report.machine.model}), load ${report.machine.loadAverage.map((l) => l.toFixed(2)).join(" ")}`
  )
  out.push("")
  out.push("stand-in (FerretDB) checked with the raw driver:")
  for (const line of report.quirks.lines) out.push(`  ${line}`)
  out.push("")
  const injected = faultKinds.filter((k) => report.faultCounts[k] > 0)
  out.push(
    `faults injected in the main phase: ${injected.length === 0 ? "none" : injected.map((k) => `${k} ×${report.faultCounts[k]}`).join(", ")}`
  )
  const final = report.phases.final
  if (final !== undefined) {
    out.push(
      `final phase from +${final.start} s: every slave blackholed, then stopped from +${final.stopped} s, ` +
        `started again at +${final.liftAt} s`
    )
  }
  const opsTable = (stats: ReadonlyArray<OpStats>) =>
    table(
      ["operation", "count", "ok", "failed", "ok/s", "p50 ms", "p99 ms", "max ms"],
      stats.map((s) => [
        s.kind,
        String(s.count),
        String(s.ok),
        String(s.failed),
        s.okPerSec.toFixed(1),
        ms(s.p50),
        ms(s.p99),
        ms(s.max)
      ])
    )
  out.push("")
  out.push(`main phase (0 to +${report.phases.mainEnd} s, under the injector's faults):`)
  out.push(opsTable(report.operations.main))
  if (report.operations.final.length > 0) {
    out.push("")
    out.push("final phase (every slave down):")
    out.push(opsTable(report.operations.final))
  }
  out.push("")
  out.push(
    `oracle: ${report.oracle.probes} probes straight on the nodes (${report.oracle.failedProbes} failed), ` +
      `${report.oracle.proxyProbes} through the proxies (${report.oracle.failedProxyProbes} failed), ` +
      `${report.oracle.markers.acked} clock markers; ` +
      `event loop: ${report.eventLoopDelay.stalls} stalls ≥ 100 ms (${ms(report.eventLoopDelay.total)} ms in all, ` +
      `longest ${ms(report.eventLoopDelay.max)} ms${report.eventLoopDelay.maxAt === undefined ? "" : ` at +${report.eventLoopDelay.maxAt} s`}); ` +
      `${report.logs.warnings} warnings logged; ${report.logs.fiberFailures} fibers ended with a typed failure (handled ` +
      `or not: not counted); ${report.acknowledgedInserts} inserts acknowledged`
  )
  out.push("")
  out.push(
    table(
      ["check", "count", "verdict"],
      report.checks.map((c) => [
        c.title,
        String(c.count),
        c.fails ? "FAIL" : c.count > 0 ? `not counted (${c.subject})` : "ok"
      ])
    )
  )
  for (const c of report.checks) {
    if (c.detail === "" && c.examples.length === 0) continue
    if (c.count === 0 && c.id !== "budget") continue
    out.push("")
    out.push(`${c.fails ? "✗" : "·"} ${c.title}: ${c.count}${c.detail === "" ? "" : ` — ${c.detail}`}`)
    for (const example of c.examples.slice(0, shown)) out.push(`    ${example}`)
    if (c.count > shown)
      out.push(`    … and ${c.count - shown} more${c.examples.length > shown ? " (see --json)" : ""}`)
  }
  out.push("")
  const failing = report.checks.filter((c) => c.fails)
  out.push(
    report.passed
      ? `PASSED: every check holds (seed ${report.seed}).`
      : `FAILED: ${failing.length} check(s) failed (${failing.map((c) => c.id).join(", ")}), seed ${report.seed}.\n` +
          `Reproduce with: ${report.reproduce}`
  )
  return `${out.join("\n")}\n`
}
