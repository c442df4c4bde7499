import { describe, expect, it } from "@effect/vitest"
import { cpuPerOpOf } from "../src/cpu.js"
import { allDownScenarios, failingScenarios, masterScenarios } from "../src/faultTargets.js"
import { renderMarkdown, renderTerminal, tables } from "../src/report.js"
import { type Figure, type FigureKey, figureOf } from "../src/results.js"
import { failingKey, reportOf, sampleOf } from "./fixtures.js"

const allDown = (scenario: string, phase: "onset" | "steady" | null): FigureKey => ({
  case: "all-slaves-down",
  scenario,
  concurrency: 16,
  slaves: 3,
  phase
})
const master = (scenario: string): FigureKey => ({ case: "master-blackholed", scenario, concurrency: 4, slaves: 1 })

const figures: ReadonlyArray<Figure> = [
  figureOf(failingKey(failingScenarios.blackholedHealthy), "library", [sampleOf({ p50: 15, p99: 40, opsPerSec: 900 })]),
  figureOf(failingKey(failingScenarios.blackholedHealthy), "raw", [sampleOf({ p50: 12, opsPerSec: 1000 })]),
  figureOf(failingKey(failingScenarios.blackholedHealthy), "hedged", [
    sampleOf({ p50: 15, p99: 40, opsPerSec: 880, hedges: 30 }),
    sampleOf({ p50: 16, p99: 44, opsPerSec: 860, hedges: 20 })
  ]),
  figureOf(failingKey(failingScenarios.blackholed, "onset"), "hedged", [
    sampleOf({ p50: 18, p99: 80, opsPerSec: 700, hedges: 25 })
  ]),
  figureOf(allDown(allDownScenarios.noFallback, "steady"), "library", [
    sampleOf({ p50: 0.05, p99: 0.2, opsPerSec: 0, failures: { AllSlavesUnavailable: 1000 } })
  ]),
  figureOf(allDown(allDownScenarios.fallback, "steady"), "library", [sampleOf({ p50: 19, opsPerSec: 700 })]),
  figureOf(allDown(allDownScenarios.fallback, null), "raw", [sampleOf({ p50: 14, opsPerSec: 1000 })]),
  figureOf(master(masterScenarios.write), "library", [
    sampleOf({ p50: 1000, p99: 1010, max: 1020, ops: 16, opsPerSec: 0, failures: { OperationTimeout: 16 } })
  ])
]
const cpuPerOp = [
  cpuPerOpOf("findOne, 1 slave", "raw", 20_000, [0.12, 0.2]),
  cpuPerOpOf("findOne, 1 slave", "thin", 20_000, [3.3, 3.5]),
  cpuPerOpOf("findOne, 1 slave", "library", 20_000, [21.8, 23.2])
]
const report = reportOf(figures, {
  cpuPerOp,
  machine: { cpuModel: "Test CPU", cores: 2, memoryGiB: 4, os: "Linux", node: "v20.19.0", versions: {} },
  cluster: { kind: "local", slaves: 4, description: "a test cluster" }
})

describe("report: the overhead and fault cases", () => {
  it("gives the hedged side its own name and the share of its reads that hedged", () => {
    const table = tables(report).find((t) => t.case === "failing-slave")!
    expect(table.headers.slice(-3)).toEqual(["p50 vs healthy", "p99 vs healthy", "hedged"])
    const rows = table.rows.map((row) => [row[1], row[2], row[10], row[11]])
    expect(rows).toEqual([
      ["library", "", "", ""],
      ["raw", "", "", ""],
      ["library, hedged", "", "", "2.5%"],
      ["library, hedged", "onset", "1.90", "2.5%"]
    ])
  })

  it("shows the CPU per operation as minimum / median, and what the library adds", () => {
    const table = tables(report).find((t) => t.case === "overhead")!
    expect(table.rows).toEqual([
      ["findOne, 1 slave", "20,000 × 2", "0.1 / 0.2", "3.3 / 3.4", "21.8 / 22.5", "+18.5 / +19.1", "+21.7 / +22.3"]
    ])
  })

  it("shows how the reads with every slave down ended, beside the raw driver on the master", () => {
    const table = tables(report).find((t) => t.case === "all-slaves-down")!
    expect(table.title).toContain("(3 slaves)")
    expect(table.rows.map((row) => [row[0], row[1], row[2], row[8], row[9]])).toEqual([
      [allDownScenarios.noFallback, "library", "steady", "1000 AllSlavesUnavailable", ""],
      [allDownScenarios.fallback, "library", "steady", "1000 ok", "1.36"],
      [allDownScenarios.fallback, "raw (master)", "", "1000 ok", ""]
    ])
  })

  it("shows each operation on the blackholed master ending with its budget", () => {
    const table = tables(report).find((t) => t.case === "master-blackholed")!
    expect(table.rows).toEqual([[masterScenarios.write, "4", "16", "1000", "1010", "1020", "16 OperationTimeout"]])
  })

  it("renders the new tables and targets in both reports", () => {
    const markdown = renderMarkdown(report)
    expect(markdown).toContain("## 7. The library's own CPU per operation")
    expect(markdown).toContain("## 8. Every slave down")
    expect(markdown).toContain("## 9. The master blackholed")
    expect(markdown).toContain("- **NOT met** — The library's extra CPU per operation within 15 µs of the thinnest")
    const text = renderTerminal(report)
    expect(text).toContain("[met] Master blackholed: every operation ends within its budget")
    expect(text).toContain("[met] Hedged reads: at most 10% of reads hedge while every slave is healthy")
  })
})
