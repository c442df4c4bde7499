import { describe, expect, it } from "@effect/vitest"
import {
  type BenchReport,
  checkTargets,
  compare,
  type Figure,
  type FigureKey,
  figureOf,
  fromSaved,
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

describe("results: saved reports", () => {
  it("reads a report of an older version as not measured where it has nothing to say", () => {
    const figure = side(reads, "library", 1, 1000, 500)
    const { perOpMicros: _, ...cpu } = figure.cpu
    const saved = { figures: [{ ...figure, cpu }], comparisons: [], targets: [] } as unknown as BenchReport
    const report = fromSaved(saved)
    expect(report.figures[0]!.cpu.perOpMicros).toBeNaN()
    expect(report.targets).toHaveLength(5)
  })

  it("reads a CPU per operation saved as null (JSON has no NaN) as not measured", () => {
    const figure = side(reads, "library", 1, 1000, 500)
    const saved = JSON.parse(
      JSON.stringify({ figures: [{ ...figure, cpu: { ...figure.cpu, perOpMicros: Number.NaN } }] })
    ) as BenchReport
    expect(fromSaved(saved).figures[0]!.cpu.perOpMicros).toBeNaN()
  })
})
