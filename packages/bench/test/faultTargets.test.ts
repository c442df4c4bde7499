import { describe, expect, it } from "@effect/vitest"
import { checkFaultTargets, failingScenarios } from "../src/faultTargets.js"
import { type Figure, type FigureKey, figureOf, type Side } from "../src/results.js"
import { sampleOf } from "./fixtures.js"

const failing = (scenario: string, phase: "onset" | "steady" | null = null): FigureKey => ({
  case: "failing-slave",
  scenario,
  concurrency: 16,
  slaves: 2,
  phase,
  baseline: phase === null ? null : failingScenarios.blackholedHealthy
})

const figure = (key: FigureKey, side: Side, options: Parameters<typeof sampleOf>[0]) =>
  figureOf(key, side, [sampleOf(options)])

const target = (figures: ReadonlyArray<Figure>, words: string) =>
  checkFaultTargets(figures).find((t) => t.target.includes(words))!

describe("fault targets: a blackholed slave with hedged reads", () => {
  const healthy = [
    figure(failing(failingScenarios.blackholedHealthy), "library", { p50: 15, p99: 40, opsPerSec: 900 }),
    figure(failing(failingScenarios.blackholedHealthy), "hedged", { p50: 16, p99: 60, opsPerSec: 850, hedges: 50 })
  ]
  const faulty = (hedgedOnsetP99: number) => [
    ...healthy,
    figure(failing(failingScenarios.blackholed, "onset"), "library", { p50: 17, p99: 2000, opsPerSec: 300 }),
    figure(failing(failingScenarios.blackholed, "steady"), "library", { p50: 16, p99: 45, opsPerSec: 900 }),
    figure(failing(failingScenarios.blackholed, "onset"), "hedged", {
      p50: 17,
      p99: hedgedOnsetP99,
      opsPerSec: 800,
      hedges: 30
    }),
    figure(failing(failingScenarios.blackholed, "steady"), "hedged", {
      p50: 16,
      p99: 50,
      opsPerSec: 900,
      hedges: 0
    })
  ]

  it("holds the hedged side's p99 to 1.5x the lower healthy p99, and reports the library without hedging", () => {
    const tail = target(faulty(2000), "blackholed mid-run")
    expect(tail.met).toBe(false)
    expect(tail.details).toHaveLength(4)
    expect(tail.details[0]).toContain("hedged (onset): p99 2000.00 ms vs healthy 40.00 ms (without hedging) = 50.00x")
    expect(tail.details[0]).toContain("(NOT met)")
    expect(tail.details[0]).toContain("3.0% of reads hedged")
    expect(tail.details[1]).toContain(
      "hedged (steady): p99 50.00 ms vs healthy 40.00 ms (without hedging) = 1.25x (met)"
    )
    expect(tail.details[2]).toContain("without hedging (onset)")
    expect(tail.details[2]).toContain("(reported, not held)")
    expect(target(faulty(59), "blackholed mid-run").met).toBe(true)
  })

  it("holds hedging to 10% of reads while every slave is healthy, and shows it under the fault", () => {
    const share = target(faulty(2000), "at most 10%")
    expect(share.met).toBe(true)
    expect(share.details[0]).toBe(`${failingScenarios.blackholedHealthy}: 50 hedges in 1000 reads = 5.0% (met)`)
    expect(share.details[1]).toContain("(under the fault: reported, not held)")
    const greedy = [
      figure(failing(failingScenarios.blackholedHealthy), "hedged", { p50: 16, opsPerSec: 850, hedges: 120 })
    ]
    expect(target(greedy, "at most 10%").met).toBe(false)
  })

  it("says nothing was measured without the hedged side", () => {
    expect(target(healthy.slice(0, 1), "blackholed mid-run").met).toBeNull()
    expect(target(healthy.slice(0, 1), "at most 10%").met).toBeNull()
  })
})
