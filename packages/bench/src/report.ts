/**
 * Rendering the results: tables for the terminal, and the Markdown that goes
 * into BENCHMARKS.md (the tables, the machine, the settings and the targets).
 *
 * @since 0.1.0
 */
import { createRequire } from "node:module"
import * as Os from "node:os"
import { compareCpu, type MinMedian } from "./cpu.js"
import { outcomeOf } from "./faultTargets.js"
import {
  type BenchReport,
  type CaseId,
  type Comparison,
  consistencyReads,
  type Figure,
  hedgeShare,
  type Machine,
  offMasterShare,
  type Side
} from "./results.js"

/**
 * The machine this process runs on.
 *
 * @since 0.1.0
 */
export const machine = (): Machine => {
  const require = createRequire(import.meta.url)
  const version = (name: string) => {
    try {
      return (require(`${name}/package.json`) as { version: string }).version
    } catch {
      return "unknown"
    }
  }
  const cpus = Os.cpus()
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round((Os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${Os.type()} ${Os.release()} (${Os.arch()})`,
    node: process.version,
    versions: { mongodb: version("mongodb"), effect: version("effect"), "effect-mongodb": version("effect-mongodb") }
  }
}

/**
 * A table of one case, ready to render either way.
 *
 * @since 0.1.0
 */
export interface Table {
  readonly case: CaseId
  readonly title: string
  readonly headers: ReadonlyArray<string>
  /** Right-aligned columns (numbers). */
  readonly numeric: ReadonlyArray<boolean>
  readonly rows: ReadonlyArray<ReadonlyArray<string>>
}

/**
 * Milliseconds, with as many decimals as their size deserves.
 *
 * @since 0.1.0
 */
export const formatMs = (value: number): string => {
  if (!Number.isFinite(value)) return "n/a"
  if (value < 1) return value.toFixed(3)
  if (value < 100) return value.toFixed(2)
  return value.toFixed(0)
}

/**
 * Microseconds from milliseconds.
 *
 * @since 0.1.0
 */
export const formatUs = (millis: number): string => (Number.isFinite(millis) ? (millis * 1000).toFixed(1) : "n/a")

/**
 * Operations per second, grouped by thousands.
 *
 * @since 0.1.0
 */
export const formatRate = (value: number): string =>
  Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a"

const formatRatio = (value: number | undefined): string =>
  value === undefined || !Number.isFinite(value) ? "" : value.toFixed(2)

const percent = (value: number) => (Number.isFinite(value) ? `${Math.round(value * 100)}%` : "n/a")

const formatShare = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)}%` : "n/a")

/**
 * Microseconds of CPU, one decimal; a sign when `signed`.
 *
 * @since 0.2.0
 */
export const formatCpu = (micros: number | undefined, signed = false): string =>
  micros === undefined || !Number.isFinite(micros) ? "" : `${signed && micros >= 0 ? "+" : ""}${micros.toFixed(1)}`

const formatCount = (value: number | null, digits: number): string =>
  value === null || !Number.isFinite(value) ? "" : value.toFixed(digits)

/**
 * How a side is called in the tables.
 *
 * @since 0.2.0
 */
export const sideNames: Record<Side, string> = {
  library: "library",
  raw: "raw",
  thin: "thin Effect",
  "effect-mongodb": "effect-mongodb",
  hedged: "library, hedged"
}

const titles: Record<CaseId, string> = {
  reads: "1. Reads: findOne by _id, library (routed over 2 slaves, or on slave 0 only) vs raw driver (slave 0)",
  writes: "2. Writes: insertOne on the master, acknowledged",
  "failing-slave": "3. A failing slave (2 slaves)",
  scaling: "4. Scaling: read throughput by number of slaves",
  routing: "5. Cost of routing: the read path over in-memory fake nodes (no I/O)",
  consistency: "6. Consistency: causal reads against plain slave reads and request reads",
  overhead: "7. The library's own CPU per operation, no I/O: over a stub driver client",
  "all-slaves-down": "8. Every slave down: blackholed, then known down",
  "master-blackholed": "9. The master blackholed: every operation within its budget"
}

const comparisonOf = (comparisons: ReadonlyArray<Comparison>, figure: Figure) =>
  comparisons.find(
    (c) =>
      c.side === figure.side &&
      c.case === figure.case &&
      c.scenario === figure.scenario &&
      c.phase === figure.phase &&
      c.concurrency === figure.concurrency &&
      c.slaves === figure.slaves
  )

const overheadTable = (report: BenchReport, id: "reads" | "writes"): Table => ({
  case: id,
  title: titles[id],
  headers: [
    "concurrency",
    id === "reads" ? "slaves" : "node",
    "side",
    "ops/s",
    "p50 ms",
    "p99 ms",
    "max ms",
    "errors",
    "p50 vs raw",
    "ops/s vs raw",
    "CPU/op µs",
    "CPU/op over raw µs"
  ],
  numeric: [true, true, false, true, true, true, true, true, true, true, true, true],
  rows: report.figures
    .filter((f) => f.case === id)
    .map((f) => {
      const c = comparisonOf(report.comparisons, f)
      return [
        String(f.concurrency),
        id === "reads" ? (f.side === "library" ? String(f.slaves) : "slave 0") : "master",
        sideNames[f.side],
        formatRate(f.opsPerSec),
        formatMs(f.p50),
        formatMs(f.p99),
        formatMs(f.max),
        String(f.errors),
        formatRatio(c?.p50Ratio),
        formatRatio(c?.opsPerSecRatio),
        formatCpu(f.cpu.perOpMicros),
        formatCpu(c?.extraCpuPerOpMicros, true)
      ]
    })
})

const failingTable = (report: BenchReport): Table => {
  const figures = report.figures.filter((f) => f.case === "failing-slave")
  const healthyOf = (f: Figure) =>
    f.baseline !== null
      ? figures.find((h) => h.side === f.side && h.scenario === f.baseline)
      : f.side === "raw"
        ? // the naive raw client's healthy baseline is the raw figure of the scenario's library baseline
          figures.find(
            (h) =>
              h.side === "raw" &&
              h.scenario === figures.find((l) => l.scenario === f.scenario && l.baseline !== null)?.baseline
          )
        : undefined
  return {
    case: "failing-slave",
    title: titles["failing-slave"],
    headers: [
      "scenario",
      "side",
      "phase",
      "reads",
      "ops/s",
      "p50 ms",
      "p99 ms",
      "max ms",
      "failed",
      "p50 vs healthy",
      "p99 vs healthy",
      "hedged"
    ],
    numeric: [false, false, false, true, true, true, true, true, true, true, true, true],
    rows: figures.map((f) => {
      const healthy = healthyOf(f)
      return [
        f.scenario,
        f.side === "raw" && healthy !== undefined ? "raw (naive)" : sideNames[f.side],
        f.phase ?? "",
        String(f.totalOps),
        formatRate(f.opsPerSec),
        formatMs(f.p50),
        formatMs(f.p99),
        formatMs(f.max),
        String(f.errors),
        healthy === undefined ? "" : formatRatio(f.p50 / healthy.p50),
        healthy === undefined ? "" : formatRatio(f.p99 / healthy.p99),
        f.hedges === null ? "" : formatShare(hedgeShare(f))
      ]
    })
  }
}

const scalingTable = (report: BenchReport): Table => ({
  case: "scaling",
  title: titles.scaling,
  headers: [
    "slaves",
    "concurrency",
    "side",
    "ops/s",
    "p50 ms",
    "p99 ms",
    "errors",
    "machine CPU",
    "bench CPU",
    "ops/s lib/raw"
  ],
  numeric: [true, true, false, true, true, true, true, true, true, true],
  rows: report.figures
    .filter((f) => f.case === "scaling")
    .map((f) => {
      const c = f.side === "library" ? comparisonOf(report.comparisons, f) : undefined
      return [
        String(f.slaves),
        String(f.concurrency),
        f.side,
        formatRate(f.opsPerSec),
        formatMs(f.p50),
        formatMs(f.p99),
        String(f.errors),
        percent(f.cpu.machineBusy),
        `${f.cpu.processCores.toFixed(2)} cores`,
        formatRatio(c?.opsPerSecRatio)
      ]
    })
})

const routingTable = (report: BenchReport): Table => {
  const figures = report.figures.filter((f) => f.case === "routing")
  return {
    case: "routing",
    title: titles.routing,
    headers: ["scenario", "side", "ops/s", "p50 µs", "p99 µs", "errors", "routing cost per read µs"],
    numeric: [false, false, true, true, true, true, true],
    rows: figures.map((f) => {
      const raw = figures.find((r) => r.side === "raw" && r.scenario === f.scenario)
      const cost = f.side === "library" && raw !== undefined ? 1e6 / f.opsPerSec - 1e6 / raw.opsPerSec : undefined
      return [
        f.scenario,
        f.side === "raw" ? "raw (no router)" : f.side,
        formatRate(f.opsPerSec),
        formatUs(f.p50),
        formatUs(f.p99),
        String(f.errors),
        cost === undefined ? "" : cost.toFixed(1)
      ]
    })
  }
}

const consistencyTable = (report: BenchReport): Table => {
  const figures = report.figures.filter((f) => f.case === "consistency")
  return {
    case: "consistency",
    title: `${titles.consistency} (${figures[0]?.slaves ?? 2} slaves)`,
    headers: [
      "concurrency",
      "read",
      "ops/s",
      "p50 ms",
      "p99 ms",
      "max ms",
      "errors",
      "p50 vs plain",
      "off the master",
      "CPU/op µs"
    ],
    numeric: [true, false, true, true, true, true, true, true, true, true],
    rows: figures.map((f) => {
      const plain = figures.find((p) => p.scenario === consistencyReads.plain && p.concurrency === f.concurrency)
      return [
        String(f.concurrency),
        f.scenario,
        formatRate(f.opsPerSec),
        formatMs(f.p50),
        formatMs(f.p99),
        formatMs(f.max),
        String(f.errors),
        plain === undefined ? "" : formatRatio(f.p50 / plain.p50),
        f.counted === null ? "" : percent(offMasterShare(f.counted.servedBy)),
        formatCpu(f.cpu.perOpMicros)
      ]
    })
  }
}

const heartbeatTable = (report: BenchReport): Table => ({
  case: "consistency",
  title: "6b. The heartbeat's load, one connection",
  headers: [
    "situation",
    "interval ms",
    "seconds",
    "heartbeats",
    "heartbeats/s",
    "probes/s per slave",
    "causal writes",
    "heartbeats per causal write",
    "bench CPU ms/s"
  ],
  numeric: [false, true, true, true, true, true, true, true, true],
  rows: report.heartbeats.map((h) => [
    h.situation,
    String(h.intervalMs),
    h.seconds.toFixed(1),
    String(h.heartbeats),
    h.heartbeatsPerSec.toFixed(2),
    h.probesPerSecPerSlave.toFixed(2),
    formatCount(h.causalWrites, 0),
    formatCount(h.heartbeatsPerCausalWrite, 3),
    formatCount(h.processCpuMsPerSec, 2)
  ])
})

const minMedian = (value: MinMedian, signed = false) =>
  `${formatCpu(value.min, signed)} / ${formatCpu(value.median, signed)}`

const cpuTable = (report: BenchReport): Table => ({
  case: "overhead",
  title: titles.overhead,
  headers: [
    "scenario",
    "ops × rounds",
    "raw µs/op",
    "thin Effect µs/op",
    "library µs/op",
    "library − thin µs",
    "library − raw µs"
  ],
  numeric: [false, true, true, true, true, true, true],
  rows: compareCpu(report.cpuPerOp).map((c) => {
    const record = report.cpuPerOp.find((r) => r.scenario === c.scenario && r.side === "library")
    return [
      c.scenario,
      record === undefined ? "" : `${formatRate(record.opsPerRound)} × ${record.rounds}`,
      minMedian(c.raw),
      minMedian(c.thin),
      minMedian(c.library),
      minMedian(c.overThin, true),
      minMedian(c.overRaw, true)
    ]
  })
})

const allSlavesDownTable = (report: BenchReport): Table => {
  const figures = report.figures.filter((f) => f.case === "all-slaves-down")
  return {
    case: "all-slaves-down",
    title: `${titles["all-slaves-down"]} (${figures[0]?.slaves ?? 3} slaves)`,
    headers: ["scenario", "side", "phase", "reads", "ops/s", "p50 ms", "p99 ms", "max ms", "outcome", "p50 vs raw"],
    numeric: [false, false, false, true, true, true, true, true, false, true],
    rows: figures.map((f) => {
      const c = f.side === "raw" ? undefined : comparisonOf(report.comparisons, f)
      return [
        f.scenario,
        f.side === "raw" ? "raw (master)" : sideNames[f.side],
        f.phase ?? "",
        String(f.totalOps),
        formatRate(f.opsPerSec),
        formatMs(f.p50),
        formatMs(f.p99),
        formatMs(f.max),
        outcomeOf(f),
        formatRatio(c?.p50Ratio)
      ]
    })
  }
}

const masterBlackholedTable = (report: BenchReport): Table => ({
  case: "master-blackholed",
  title: titles["master-blackholed"],
  headers: ["scenario", "concurrency", "operations", "p50 ms", "p99 ms", "max ms", "outcome"],
  numeric: [false, true, true, true, true, true, false],
  rows: report.figures
    .filter((f) => f.case === "master-blackholed")
    .map((f) => [
      f.scenario,
      String(f.concurrency),
      String(f.totalOps),
      formatMs(f.p50),
      formatMs(f.p99),
      formatMs(f.max),
      outcomeOf(f)
    ])
})

/**
 * The tables of a run, one per case that produced figures (two for the
 * consistency case), in the order of the issues.
 *
 * @since 0.1.0
 */
export const tables = (report: BenchReport): ReadonlyArray<Table> =>
  [
    overheadTable(report, "reads"),
    overheadTable(report, "writes"),
    failingTable(report),
    scalingTable(report),
    routingTable(report),
    consistencyTable(report),
    heartbeatTable(report),
    cpuTable(report),
    allSlavesDownTable(report),
    masterBlackholedTable(report)
  ].filter((table) => table.rows.length > 0)

const pad = (text: string, width: number, right: boolean) => (right ? text.padStart(width) : text.padEnd(width))

/**
 * A table as aligned plain text.
 *
 * @since 0.1.0
 */
export const renderText = (table: Table): string => {
  const widths = table.headers.map((header, i) =>
    Math.max(header.length, ...table.rows.map((row) => (row[i] ?? "").length))
  )
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, i) => pad(cell, widths[i]!, table.numeric[i] ?? false))
      .join("  ")
      .trimEnd()
  return [line(table.headers), widths.map((w) => "-".repeat(w)).join("  "), ...table.rows.map(line)].join("\n")
}

/**
 * A table in GitHub Markdown.
 *
 * @since 0.1.0
 */
export const renderMarkdownTable = (table: Table): string => {
  const escapeCell = (cell: string) => cell.replaceAll("|", "\\|")
  return [
    `| ${table.headers.map(escapeCell).join(" | ")} |`,
    `| ${table.numeric.map((right) => (right ? "---:" : "---")).join(" | ")} |`,
    ...table.rows.map((row) => `| ${row.map(escapeCell).join(" | ")} |`)
  ].join("\n")
}

const verdictText = (met: boolean | null) => (met === null ? "not measured" : met ? "met" : "NOT met")

const notesOf = (report: BenchReport, id: CaseId | "run") =>
  report.notes.filter((note) => note.case === id).map((note) => note.note)

/** Every table with the notes to print after it: its case's, after the case's last table. */
const withNotes = (report: BenchReport) => {
  const all = tables(report)
  return all.map((table, i) => ({
    table,
    notes: all.slice(i + 1).some((later) => later.case === table.case) ? [] : notesOf(report, table.case)
  }))
}

/**
 * The whole run for a terminal: every table with its notes, then the targets.
 *
 * @since 0.1.0
 */
export const renderTerminal = (report: BenchReport): string => {
  const out: Array<string> = []
  const m = report.machine
  out.push(
    `mongo-master-slave benchmarks (${report.mode} run, ${report.durationSeconds.toFixed(0)} s) — ` +
      `${m.cpuModel}, ${m.cores} cores, Node ${m.node}; ${report.cluster.description}`
  )
  for (const note of notesOf(report, "run")) out.push(`  ${note}`)
  for (const { table, notes } of withNotes(report)) {
    out.push("", table.title, "", renderText(table))
    for (const note of notes) out.push(`  * ${note}`)
  }
  for (const skip of report.skipped) out.push("", `skipped ${skip.case}: ${skip.reason}`)
  out.push("", "Targets")
  for (const target of report.targets) {
    out.push(`  [${verdictText(target.met)}] ${target.target}`)
    for (const detail of target.details) out.push(`      ${detail}`)
  }
  return `${out.join("\n")}\n`
}

/**
 * The whole run as Markdown: the machine and how the run was made, the
 * targets, and every case's table with its notes — BENCHMARKS.md but for the
 * reading of what the figures mean, which is written by hand.
 *
 * @since 0.1.0
 */
export const renderMarkdown = (report: BenchReport): string => {
  const m = report.machine
  const out: Array<string> = []
  out.push(
    "# Benchmarks",
    "",
    `mongo-master-slave against the raw \`mongodb\` driver, side by side in one run (\`${report.command}\`).`,
    "",
    "## Run",
    "",
    "| | |",
    "| --- | --- |",
    `| date | ${report.startedAt} |`,
    `| command | \`${report.command}\` (${report.mode} run, ${report.durationSeconds.toFixed(0)} s) |`,
    `| CPU | ${m.cpuModel}, ${m.cores} cores |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| OS | ${m.os} |`,
    `| Node.js | ${m.node} |`,
    ...Object.entries(m.versions).map(([name, version]) => `| ${name} | ${version} |`),
    `| deployment | ${report.cluster.description} |`,
    ""
  )
  const runNotes = notesOf(report, "run")
  if (runNotes.length > 0) out.push(...runNotes.map((note) => `- ${note}`), "")
  out.push("## Targets", "")
  for (const target of report.targets) {
    out.push(`- **${verdictText(target.met)}** — ${target.target}`)
    for (const detail of target.details) out.push(`  - ${detail}`)
  }
  out.push("")
  for (const { table, notes } of withNotes(report)) {
    out.push(`## ${table.title}`, "", renderMarkdownTable(table), "")
    if (notes.length > 0) out.push(...notes.map((note) => `- ${note}`), "")
  }
  if (report.skipped.length > 0) {
    out.push("## Skipped", "", ...report.skipped.map((skip) => `- ${skip.case}: ${skip.reason}`), "")
  }
  return out.join("\n")
}
