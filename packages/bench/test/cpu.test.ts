import { describe, expect, it } from "@effect/vitest"
import { compareCpu, cpuPerOpOf, cpuTarget } from "../src/cpu.js"

const records = [
  cpuPerOpOf("findOne, 1 slave", "raw", 1000, [0.2, 0.1, 0.3]),
  cpuPerOpOf("findOne, 1 slave", "thin", 1000, [2, 3, 2.5]),
  cpuPerOpOf("findOne, 1 slave", "library", 1000, [14, 20, 16]),
  cpuPerOpOf("insertOne", "raw", 1000, [0.1]),
  cpuPerOpOf("insertOne", "thin", 1000, [2]),
  cpuPerOpOf("insertOne", "library", 1000, [30])
]

describe("cpu", () => {
  it("keeps every round, their minimum and their median", () => {
    expect(records[2]).toMatchObject({ rounds: 3, perRound: [14, 20, 16], minMicros: 14, medianMicros: 16 })
    expect(cpuPerOpOf("s", "raw", 1, []).minMicros).toBeNaN()
  })

  it("sets the sides of each scenario side by side, in the order measured", () => {
    const [read, write] = compareCpu(records)
    expect(read!.scenario).toBe("findOne, 1 slave")
    expect(read!.overThin).toEqual({ min: 12, median: 13.5 })
    expect(read!.overRaw.min).toBeCloseTo(13.9)
    expect(write!.overThin).toEqual({ min: 28, median: 28 })
  })

  it("holds the library within the allowed µs of the thin wrapper, on the minimums", () => {
    const target = cpuTarget(records, 15)
    expect(target.met).toBe(false)
    expect(target.details[0]).toContain("library − thin +12.0 µs (median +13.5)")
    expect(target.details[0]).toMatch(/\(met\)$/)
    expect(target.details[1]).toMatch(/\(NOT met\)$/)
    expect(cpuTarget(records.slice(0, 3), 15).met).toBe(true)
  })

  it("says nothing was measured without records", () => {
    expect(cpuTarget([], 15).met).toBeNull()
  })
})
