import { describe, expect, it } from "@effect/vitest"
import { renderMarkdown, renderTerminal, tables } from "../src/report.js"
import {
  type BenchReport,
  checkTargets,
  compare,
  consistencyReads,
  type Figure,
  type FigureKey,
  figureOf,
  heartbeatLoad
} from "../src/results.js"
import type { Sample } from "../src/workload.js"
import { reportOf, sampleOf } from "./fixtures.js"

const sample = (p50: number, opsPerSec: number, errors = 0): Sample => sampleOf({ p50, opsPerSec, errors })

const pair = (key: FigureKey, library: number, raw: number): ReadonlyArray<Figure> => [
  figureOf(key, "library", [sample(library, 1000 / library), sample(library + 0.2, 1000 / library)]),
  figureOf(key, "raw", [sample(raw, 1000 / raw)])
]

const figures: ReadonlyArray<Figure> = [
  ...pair({ case: "reads", scenario: "findOne by _id", concurrency: 1, slaves: 2 }, 1.0, 1.0),
  ...pair({ case: "writes", scenario: "insertOne", concurrency: 1, slaves: 2 }, 1.5, 1.0),
  ...pair({ case: "failing-slave", scenario: "healthy", concurrency: 16, slaves: 2 }, 10, 9),
  figureOf(
    {
      case: "failing-slave",
      scenario: "slave 1 stopped",
      concurrency: 16,
      slaves: 2,
      phase: "steady",
      baseline: "healthy"
    },
    "library",
    [sample(10.5, 100)]
  ),
  figureOf({ case: "failing-slave", scenario: "slave 1 stopped", concurrency: 16, slaves: 2 }, "raw", [
    sample(2000, 5, 40)
  ])
]

const report = reportOf(figures, {
  machine: { cpuModel: "Test CPU", cores: 2, memoryGiB: 4, os: "Linux", node: "v20.19.0", versions: { effect: "3" } },
  notes: [{ case: "reads", note: "a note on reads" }],
  skipped: [{ case: "scaling", reason: "not today" }]
})

describe("results", () => {
  it("reports medians of the rounds, the worst max and the sum of errors", () => {
    const [library] = pair({ case: "reads", scenario: "s", concurrency: 1, slaves: 1 }, 1, 1)
    expect(library!.p50).toBeCloseTo(1.1)
    expect(library!.max).toBeCloseTo(3.6)
    expect(library!.rounds).toBe(2)
    expect(library!.totalOps).toBe(2000)
  })

  it("pairs the library with the raw driver in the same scenario", () => {
    const reads = report.comparisons.find((c) => c.case === "reads")!
    expect(reads.p50Ratio).toBeCloseTo(1.1)
    const stopped = report.comparisons.find((c) => c.scenario === "slave 1 stopped")!
    expect(stopped.phase).toBe("steady")
  })

  it("checks the targets", () => {
    const [overhead, failed, faults] = report.targets
    expect(overhead!.met).toBe(false)
    expect(overhead!.details.join("\n")).toContain(
      "writes at concurrency 1: p50 ratio 1.60, ops/s ratio 0.67 (NOT met)"
    )
    expect(failed!.met).toBe(true)
    expect(faults!.met).toBe(true)
    expect(faults!.details[0]).toContain("vs healthy 10.100 ms = 1.04x (met)")
  })

  it("says a target was not measured when no figure speaks to it", () => {
    const targets = checkTargets([])
    expect(targets).toHaveLength(12)
    expect(targets.every((t) => t.met === null)).toBe(true)
  })
})

describe("report", () => {
  it("makes one table per case with figures", () => {
    expect(tables(report).map((t) => t.case)).toEqual(["reads", "writes", "failing-slave"])
  })

  it("compares a naive raw client under a fault with its healthy baseline", () => {
    const failing = tables(report).find((t) => t.case === "failing-slave")!
    const naive = failing.rows.find((row) => row[1] === "raw (naive)")!
    expect(naive[8]).toBe("40")
    expect(naive[9]).toBe((2000 / 9).toFixed(2))
  })

  it("renders Markdown with the machine, the targets and the tables", () => {
    const markdown = renderMarkdown(report)
    expect(markdown).toContain("| CPU | Test CPU, 2 cores |")
    expect(markdown).toContain("| Node.js | v20.19.0 |")
    expect(markdown).toContain("- **NOT met** — Routed read and write p50")
    expect(markdown).toContain("| concurrency | slaves | side | ops/s |")
    expect(markdown).toContain("- a note on reads")
    expect(markdown).toContain("- scaling: not today")
  })

  it("renders aligned text for the terminal", () => {
    const text = renderTerminal(report)
    expect(text).toContain("Targets")
    expect(text).toContain("skipped scaling: not today")
    const lines = text.split("\n")
    const header = lines.findIndex((line) => line.startsWith("concurrency"))
    expect(lines[header + 1]).toMatch(/^-+( {2}-+)+$/)
  })
})

describe("report: more sides, consistency and heartbeats", () => {
  const key: FigureKey = { case: "reads", scenario: "slave 0 only", concurrency: 16, slaves: 1 }
  const consistency = (scenario: string, p50: number, servedBy: Record<string, number>) =>
    figureOf({ case: "consistency", scenario, concurrency: 16, slaves: 2 }, "library", [
      sampleOf({ p50, opsPerSec: 500, counted: { servedBy, heartbeats: 10, probes: 20 } })
    ])
  const more: ReadonlyArray<Figure> = [
    figureOf(key, "library", [sampleOf({ p50: 1.1, opsPerSec: 900, perOpMicros: 560 })]),
    figureOf(key, "raw", [sampleOf({ p50: 1, opsPerSec: 1000, perOpMicros: 500 })]),
    figureOf(key, "thin", [sampleOf({ p50: 1, opsPerSec: 990, perOpMicros: 512.34 })]),
    figureOf(key, "effect-mongodb", [sampleOf({ p50: 1.2, opsPerSec: 850, perOpMicros: 590 })]),
    consistency(consistencyReads.plain, 2, { "slave-0": 3, "slave-1": 1 }),
    consistency(consistencyReads.request, 1.6, { master: 4 }),
    consistency(consistencyReads.afterWrite, 8, { master: 1, "slave-0": 9 })
  ]
  const full: BenchReport = {
    ...report,
    figures: more,
    heartbeats: [
      heartbeatLoad({
        situation: "idle connection, default heartbeat",
        intervalMs: 1000,
        seconds: 3,
        counted: { servedBy: {}, heartbeats: 3, probes: 6 },
        slaves: 2,
        processCpuMicros: 6000
      }),
      heartbeatLoad({
        situation: "causal writes and reads at concurrency 16",
        intervalMs: 1000,
        seconds: 2,
        counted: { servedBy: {}, heartbeats: 300, probes: 900 },
        slaves: 2,
        causalWrites: 1200
      })
    ],
    comparisons: compare(more),
    targets: checkTargets(more),
    notes: [
      { case: "consistency", note: "a note on consistency" },
      { case: "reads", note: "a note on reads" }
    ]
  }

  it("shows every side with its CPU per operation and what it adds over raw", () => {
    const reads = tables(full).find((t) => t.case === "reads")!
    expect(reads.headers.slice(-2)).toEqual(["CPU/op µs", "CPU/op over raw µs"])
    expect(reads.rows.map((row) => [row[1], row[2], row[8], row[10], row[11]])).toEqual([
      ["1", "library", "1.10", "560.0", "+60.0"],
      ["slave 0", "raw", "", "500.0", ""],
      ["slave 0", "thin Effect", "1.00", "512.3", "+12.3"],
      ["slave 0", "effect-mongodb", "1.20", "590.0", "+90.0"]
    ])
  })

  it("compares each consistency read with a plain read, and says where it was served", () => {
    const table = tables(full).find((t) => t.case === "consistency" && t.headers.includes("read"))!
    expect(table.title).toContain("(2 slaves)")
    expect(table.rows.map((row) => [row[1], row[7], row[8]])).toEqual([
      [consistencyReads.plain, "1.00", "100%"],
      [consistencyReads.request, "0.80", "0%"],
      [consistencyReads.afterWrite, "4.00", "90%"]
    ])
  })

  it("gives the heartbeat's load in a table of its own", () => {
    const table = tables(full).find((t) => t.headers.includes("heartbeats/s"))!
    expect(table.rows).toEqual([
      ["idle connection, default heartbeat", "1000", "3.0", "3", "1.00", "1.00", "", "", "2.00"],
      ["causal writes and reads at concurrency 16", "1000", "2.0", "300", "150.00", "225.00", "1200", "0.250", ""]
    ])
  })

  it("prints a case's notes once, after its last table", () => {
    const markdown = renderMarkdown(full)
    expect(markdown.split("a note on consistency")).toHaveLength(2)
    expect(markdown.indexOf("a note on consistency")).toBeGreaterThan(markdown.indexOf("## 6b. The heartbeat's load"))
    const text = renderTerminal(full)
    expect(text.split("a note on consistency")).toHaveLength(2)
  })
})
