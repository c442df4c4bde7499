import { describe, expect, it } from "@effect/vitest"
import {
  addCounted,
  addFailures,
  type BenchReport,
  checkTargets,
  compare,
  consistencyReads,
  type Figure,
  type FigureKey,
  figureOf,
  fromSaved,
  heartbeatLoad,
  hedgeShare,
  offMasterShare,
  type Side
} from "../src/results.js"
import { sampleOf } from "./fixtures.js"

const reads: FigureKey = {
  case: "reads",
  scenario: "findOne by _id, the library on slave 0 only",
  concurrency: 16,
  slaves: 1
}
const writes: FigureKey = { case: "writes", scenario: "insertOne", concurrency: 16, slaves: 2 }

const side = (key: FigureKey, name: Side, p50: number, opsPerSec: number, perOpMicros: number) =>
  figureOf(key, name, [sampleOf({ p50, opsPerSec, perOpMicros })])

const targetNamed = (figures: ReadonlyArray<Figure>, words: string) =>
  checkTargets(figures).find((target) => target.target.includes(words))!

describe("results: sides and CPU", () => {
  const figures = [
    side(reads, "library", 1.1, 900, 560),
    side(reads, "raw", 1.0, 1000, 500),
    side(reads, "thin", 1.02, 980, 550),
    side(reads, "effect-mongodb", 1.2, 850, 600),
    side(writes, "library", 1.3, 800, 600),
    side(writes, "raw", 1.0, 1000, 480),
    side(writes, "thin", 1.05, 950, 560),
    side(writes, "effect-mongodb", 1.25, 820, 650)
  ]

  it("compares every side with the raw driver, CPU per operation included", () => {
    const comparisons = compare(figures).filter((c) => c.case === "reads")
    expect(comparisons.map((c) => c.side)).toEqual(["library", "thin", "effect-mongodb"])
    expect(comparisons[0]!.extraCpuPerOpMicros).toBeCloseTo(60)
    expect(comparisons[1]!.extraCpuPerOpMicros).toBeCloseTo(50)
    expect(comparisons[0]!.opsPerSecRatio).toBeCloseTo(0.9)
  })

  it("holds the library's extra CPU within 15 µs of the thin wrapper's", () => {
    const target = targetNamed(figures, "thinnest Effect wrapper")
    expect(target.met).toBe(false)
    expect(target.details[0]).toContain("library +60.0 µs/op over raw, thin wrapper +50.0 µs/op: 10.0 µs more (met)")
    expect(target.details[1]).toContain(
      "library +120.0 µs/op over raw, thin wrapper +80.0 µs/op: 40.0 µs more (NOT met)"
    )
    const cheaper = [
      side(writes, "library", 1, 1, 470),
      side(writes, "raw", 1, 1, 480),
      side(writes, "thin", 1, 1, 460)
    ]
    expect(targetNamed(cheaper, "thinnest").details[0]).toContain(
      "library -10.0 µs/op over raw, thin wrapper -20.0 µs/op"
    )
  })

  it("wants the library ahead of effect-mongodb in p50 and ops/s", () => {
    const target = targetNamed(figures, "effect-mongodb")
    expect(target.met).toBe(false)
    expect(target.details[0]).toMatch(/reads .* 900 vs 850 ops\/s \(met\)$/)
    expect(target.details[1]).toMatch(/writes .* p50 1.300 ms vs 1.250 ms, 800 vs 820 ops\/s \(NOT met\)$/)
  })

  it("holds routed reads and writes to raw's p50 and ops/s within 5%", () => {
    const close = [side(reads, "library", 1.04, 960, 520), side(reads, "raw", 1.0, 1000, 500)]
    expect(targetNamed(close, "within 5%").met).toBe(true)
    const slow = [side(reads, "library", 1.04, 940, 520), side(reads, "raw", 1.0, 1000, 500)]
    expect(targetNamed(slow, "within 5%").met).toBe(false)
  })
})

describe("results: consistency", () => {
  const at = (scenario: string, concurrency: number): FigureKey => ({
    case: "consistency",
    scenario,
    concurrency,
    slaves: 2
  })
  const read = (scenario: string, p50: number, servedBy: Record<string, number>, errors = 0) =>
    figureOf(at(scenario, 16), "library", [
      sampleOf({ p50, opsPerSec: 1000, errors, counted: { servedBy, heartbeats: 40, probes: 100 } }),
      sampleOf({ p50, opsPerSec: 1000, counted: { servedBy, heartbeats: 60, probes: 100 } })
    ])
  const figures = [
    read(consistencyReads.plain, 2, { "slave-0": 500, "slave-1": 500 }),
    read(consistencyReads.request, 1.5, { master: 1000 }),
    read(consistencyReads.afterWrite, 9, { master: 40, "slave-0": 480, "slave-1": 480 }, 1),
    read(consistencyReads.replicated, 2.5, { master: 150, "slave-0": 425, "slave-1": 425 })
  ]

  it("adds up what was counted over the rounds", () => {
    expect(figures[2]!.counted).toEqual({
      servedBy: { master: 80, "slave-0": 960, "slave-1": 960 },
      heartbeats: 100,
      probes: 200
    })
    expect(addCounted([])).toBeNull()
    expect(figureOf(at("x", 1), "library", [sampleOf({ p50: 1, opsPerSec: 1 })]).counted).toBeNull()
  })

  it("gives the share of reads served off the master", () => {
    expect(offMasterShare({ master: 1, "slave-0": 3 })).toBe(0.75)
    expect(offMasterShare({ "slave-0": 3 })).toBe(1)
    expect(offMasterShare({})).toBeNaN()
  })

  it("holds the replicated scope's read to 1.5x a plain read, and shows the read after a write beside it", () => {
    const target = targetNamed(figures, "Causal read p50")
    expect(target.met).toBe(true)
    expect(target.details[0]).toContain("p50 2.500 ms vs plain 2.000 ms = 1.25x (met)")
    expect(target.details[0]).toContain(
      "not held to this target, a causal read right after a write: p50 9.000 ms = 4.50x"
    )
  })

  it("wants 90% of causal reads off the master", () => {
    const target = targetNamed(figures, "served by slaves")
    expect(target.met).toBe(false)
    expect(target.details).toEqual([
      "causal read right after a write at concurrency 16: 96.0% off the master (master 80, slave-0 960, slave-1 960) (met)",
      "causal read, scope's write replicated at concurrency 16: 85.0% off the master (master 300, slave-0 850, slave-1 850) (NOT met)"
    ])
  })

  it("counts a causal read that missed its write as a failed read", () => {
    const target = targetNamed(figures, "Zero failed reads")
    expect(target.met).toBe(false)
    expect(target.details).toContain(
      "consistency / causal read right after a write at concurrency 16: 1 failed of 2000 (first: boom)"
    )
  })

  it("gives the heartbeat's rates", () => {
    expect(
      heartbeatLoad({
        situation: "under load",
        intervalMs: 1000,
        seconds: 4,
        counted: { servedBy: {}, heartbeats: 200, probes: 80 },
        slaves: 2,
        causalWrites: 1000
      })
    ).toEqual({
      situation: "under load",
      intervalMs: 1000,
      seconds: 4,
      heartbeats: 200,
      heartbeatsPerSec: 50,
      probesPerSecPerSlave: 10,
      causalWrites: 1000,
      heartbeatsPerCausalWrite: 0.2,
      processCpuMsPerSec: null
    })
    expect(
      heartbeatLoad({
        situation: "idle",
        intervalMs: 125,
        seconds: 2,
        counted: { servedBy: {}, heartbeats: 16, probes: 32 },
        slaves: 2,
        processCpuMicros: 10_000
      })
    ).toMatchObject({ heartbeatsPerSec: 8, causalWrites: null, heartbeatsPerCausalWrite: null, processCpuMsPerSec: 5 })
  })
})

describe("results: saved reports", () => {
  it("reads a report of an older version as not measured where it has nothing to say", () => {
    const figure = side(reads, "library", 1, 1000, 500)
    const { perOpMicros: _, ...cpu } = figure.cpu
    const { counted: __, failures: ___, hedges: ____, ...old } = { ...figure, cpu }
    const saved = { figures: [old], comparisons: [], targets: [] } as unknown as BenchReport
    const report = fromSaved(saved)
    expect(report.heartbeats).toEqual([])
    expect(report.cpuPerOp).toEqual([])
    expect(report.figures[0]!.counted).toBeNull()
    expect(report.figures[0]!.cpu.perOpMicros).toBeNaN()
    expect(report.figures[0]!.failures).toEqual({})
    expect(report.figures[0]!.hedges).toBeNull()
    expect(report.targets).toHaveLength(checkTargets([]).length)
  })

  it("reads a CPU per operation saved as null (JSON has no NaN) as not measured", () => {
    const figure = side(reads, "library", 1, 1000, 500)
    const saved = JSON.parse(
      JSON.stringify({ figures: [{ ...figure, cpu: { ...figure.cpu, perOpMicros: Number.NaN } }] })
    ) as BenchReport
    expect(fromSaved(saved).figures[0]!.cpu.perOpMicros).toBeNaN()
  })
})

describe("results: failures by kind", () => {
  it("adds up the failures of every round, by kind", () => {
    expect(addFailures([{ OperationTimeout: 2 }, {}, { OperationTimeout: 1, NodeUnavailable: 3 }])).toEqual({
      OperationTimeout: 3,
      NodeUnavailable: 3
    })
    const figure = figureOf(reads, "library", [
      sampleOf({ p50: 1, opsPerSec: 1, failures: { AllSlavesUnavailable: 4 } }),
      sampleOf({ p50: 1, opsPerSec: 1, failures: { AllSlavesUnavailable: 1, BenchError: 1 } })
    ])
    expect(figure.failures).toEqual({ AllSlavesUnavailable: 5, BenchError: 1 })
    expect(figure.errors).toBe(6)
  })
})

describe("results: hedges", () => {
  it("adds up the hedges of every round, and gives their share of the operations", () => {
    const hedged = figureOf(reads, "hedged", [
      sampleOf({ p50: 1, opsPerSec: 1, hedges: 30 }),
      sampleOf({ p50: 1, opsPerSec: 1, hedges: 20 })
    ])
    expect(hedged.hedges).toBe(50)
    expect(hedgeShare(hedged)).toBeCloseTo(0.025)
    const uncounted = figureOf(reads, "library", [sampleOf({ p50: 1, opsPerSec: 1 })])
    expect(uncounted.hedges).toBeNull()
    expect(hedgeShare(uncounted)).toBeNaN()
  })
})
