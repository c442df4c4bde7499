import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import * as Config from "../../src/chaos/config.js"
import * as Schedule from "../../src/chaos/schedule.js"

const faults = Config.make({ slaves: 3, finalPhase: true, durationSeconds: 120 }).faults

const input = (seed: number, slaves = 3, endMillis = 100_000): Schedule.ScheduleInput => ({
  seed,
  slaves,
  startMillis: 3_000,
  endMillis,
  faults
})

describe("schedule", () => {
  it("is the same for the same seed, duration and slaves", () => {
    expect(Schedule.generate(input(13))).toEqual(Schedule.generate(input(13)))
  })

  it("differs with the seed", () => {
    expect(Schedule.generate(input(13))).not.toEqual(Schedule.generate(input(14)))
  })

  it("keeps its earlier faults when the run is longer", () => {
    // faults that start 12 s (the longest) before the shorter end are not cut short by it
    const early = (f: Schedule.PlannedFault) => f.at < 28_000
    const short = Schedule.generate(input(13, 3, 40_000)).filter(early)
    expect(short.length).toBeGreaterThan(3)
    expect(Schedule.generate(input(13, 3, 100_000)).filter(early)).toEqual(short)
  })

  it("injects every kind of fault over a long run", () => {
    const kinds = new Set(Schedule.generate(input(1, 3, 600_000)).map((f) => f.kind))
    expect([...kinds].sort()).toEqual([...Config.faultKinds].sort())
  })

  it.prop(
    "keeps its rules: within the window, one fault per node, a clean slave, master faults apart",
    [FastCheck.integer({ min: 0, max: 2 ** 32 - 1 }), FastCheck.integer({ min: 2, max: 5 })],
    ([seed, slaves]) => {
      const planned = Schedule.generate(input(seed, slaves))
      for (const [i, f] of planned.entries()) {
        expect(f.id).toBe(i + 1)
        expect(f.at).toBeGreaterThan(3_000)
        expect(f.at + f.duration).toBeLessThanOrEqual(100_000)
        const [min, max] = faults.durations[f.kind]
        expect(f.duration).toBeGreaterThanOrEqual(min)
        expect(f.duration).toBeLessThanOrEqual(max)
        expect(f.target >= 0).toBe(!f.kind.startsWith("master-"))
        expect(f.target).toBeLessThan(slaves)
        if (f.kind === "slave-slow") {
          expect(f.amount).toBeGreaterThanOrEqual(faults.latencyMillis[0])
          expect(f.amount).toBeLessThanOrEqual(faults.latencyMillis[1])
        }
      }
      for (const a of planned) {
        for (const b of planned) {
          if (a.id >= b.id || a.target !== b.target) continue
          const gap = a.target === -1 ? faults.masterGapMillis : 0
          const apart = a.at + a.duration + gap <= b.at || b.at + b.duration + gap <= a.at
          expect(apart).toBe(true)
        }
      }
      expect(Schedule.busiest(planned, slaves)).toBeLessThanOrEqual(slaves - faults.cleanSlaves)
      return true
    }
  )

  it("says what a fault is", () => {
    expect(Schedule.describe({ kind: "slave-slow", target: 1, amount: 350 })).toBe("slave 1 slow (+350 ms per reply)")
    expect(Schedule.describe({ kind: "master-reset", target: -1, amount: 0 })).toContain("master reset")
  })
})
