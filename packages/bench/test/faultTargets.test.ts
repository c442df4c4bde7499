import { describe, expect, it } from "@effect/vitest"
import {
  allDownScenarios,
  checkFaultTargets,
  failingScenarios,
  masterBudgetMillis,
  masterScenarios,
  outcomeOf
} from "../src/faultTargets.js"
import { type Figure, type FigureKey, figureOf, type Side } from "../src/results.js"
import { failingKey, sampleOf } from "./fixtures.js"

const figure = (key: FigureKey, side: Side, options: Parameters<typeof sampleOf>[0]) =>
  figureOf(key, side, [sampleOf(options)])

const target = (figures: ReadonlyArray<Figure>, words: string) =>
  checkFaultTargets(figures).find((t) => t.target.includes(words))!

describe("fault targets: a blackholed slave with hedged reads", () => {
  const healthy = [
    figure(failingKey(failingScenarios.blackholedHealthy), "library", { p50: 15, p99: 40, opsPerSec: 900 }),
    figure(failingKey(failingScenarios.blackholedHealthy), "hedged", { p50: 16, p99: 60, opsPerSec: 850, hedges: 50 })
  ]
  const faulty = (hedgedOnsetP99: number) => [
    ...healthy,
    figure(failingKey(failingScenarios.blackholed, "onset"), "library", { p50: 17, p99: 2000, opsPerSec: 300 }),
    figure(failingKey(failingScenarios.blackholed, "steady"), "library", { p50: 16, p99: 45, opsPerSec: 900 }),
    figure(failingKey(failingScenarios.blackholed, "onset"), "hedged", {
      p50: 17,
      p99: hedgedOnsetP99,
      opsPerSec: 800,
      hedges: 30
    }),
    figure(failingKey(failingScenarios.blackholed, "steady"), "hedged", {
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
      figure(failingKey(failingScenarios.blackholedHealthy), "hedged", { p50: 16, opsPerSec: 850, hedges: 120 })
    ]
    expect(target(greedy, "at most 10%").met).toBe(false)
  })

  it("says nothing was measured without the hedged side", () => {
    expect(target(healthy.slice(0, 1), "blackholed mid-run").met).toBeNull()
    expect(target(healthy.slice(0, 1), "at most 10%").met).toBeNull()
  })
})

describe("fault targets: every slave known down", () => {
  const key = (scenario: string, phase: "onset" | "steady" | null): FigureKey => ({
    case: "all-slaves-down",
    scenario,
    concurrency: 16,
    slaves: 3,
    phase
  })
  const unavailable = { AllSlavesUnavailable: 1000 }
  const figures = (noFallbackP99: number, fallbackP50: number) => [
    figure(key(allDownScenarios.noFallback, "onset"), "library", {
      p50: 0.3,
      p99: 2000,
      opsPerSec: 0,
      failures: unavailable
    }),
    figure(key(allDownScenarios.noFallback, "steady"), "library", {
      p50: 0.05,
      p99: noFallbackP99,
      opsPerSec: 0,
      failures: unavailable
    }),
    figure(key(allDownScenarios.fallback, "steady"), "library", { p50: fallbackP50, p99: 45, opsPerSec: 700 }),
    figure(key(allDownScenarios.fallback, null), "raw", { p50: 14, p99: 42, opsPerSec: 1000 }),
    figure(key(allDownScenarios.request, "steady"), "library", { p50: 18, p99: 44, opsPerSec: 750 })
  ]

  it("wants AllSlavesUnavailable within a few ms, or the master's answer within a few ms of its own latency", () => {
    const down = target(figures(0.2, 19), "known down")
    expect(down.met).toBe(true)
    expect(down.details[0]).toContain("(onset)")
    expect(down.details[0]).toContain("1000 AllSlavesUnavailable (reported, not held)")
    expect(down.details[1]).toContain("1000 AllSlavesUnavailable (met)")
    expect(down.details[2]).toContain(
      "vs the library's read in a request p50 18.00 ms, p99 44.00 ms (the raw driver on the master: p50 14.00 ms, " +
        "p99 42.00 ms); 1000 ok (met)"
    )
    expect(down.details).toHaveLength(3)
    expect(target(figures(2000, 19), "known down").met).toBe(false)
    expect(target(figures(0.2, 29), "known down").met).toBe(false)
    // the p99 is shown, not held: a master read's tail moves by tens of ms on a shared machine
    const slowTail = figures(0.2, 19).map((f) =>
      f.scenario === allDownScenarios.fallback && f.side === "library" ? { ...f, p99: 120 } : f
    )
    expect(target(slowTail, "known down").met).toBe(true)
    // without the library's own master read (an older run), the raw driver's is the reference
    const older = figures(0.2, 23).filter((f) => f.scenario !== allDownScenarios.request)
    expect(target(older, "known down").met).toBe(true)
    expect(
      target(
        older.map((f) => (f.side === "raw" ? { ...f, p50: 10 } : f)),
        "known down"
      ).met
    ).toBe(false)
  })

  it("does not take another error for AllSlavesUnavailable", () => {
    const other = figure(key(allDownScenarios.noFallback, "steady"), "library", {
      p50: 0.05,
      p99: 0.2,
      opsPerSec: 0,
      failures: { AllSlavesUnavailable: 990, OperationTimeout: 10 }
    })
    expect(target([other], "known down").met).toBe(false)
  })
})

describe("fault targets: the master blackholed", () => {
  const key = (scenario: string): FigureKey => ({ case: "master-blackholed", scenario, concurrency: 4, slaves: 1 })
  const timedOut = (max: number, failures: Record<string, number> = { OperationTimeout: 1000 }) =>
    figure(key(masterScenarios.write), "library", { p50: masterBudgetMillis, max, opsPerSec: 0, failures })

  it("wants every operation ended by OperationTimeout within its budget, and writes back once lifted", () => {
    const recovered = figure(key(masterScenarios.recovered), "library", { p50: 5, opsPerSec: 500 })
    const budget = target([timedOut(1030), recovered], "Master blackholed")
    expect(budget.met).toBe(true)
    expect(budget.details[0]).toContain("1000 OperationTimeout (met)")
    expect(budget.details[1]).toContain("1000 ok")
    expect(target([timedOut(20_000)], "Master blackholed").met).toBe(false)
    expect(target([timedOut(1030, { NodeUnavailable: 1000 })], "Master blackholed").met).toBe(false)
    const failedAfter = figure(key(masterScenarios.recovered), "library", { p50: 5, opsPerSec: 500, errors: 3 })
    expect(target([timedOut(1030), failedAfter], "Master blackholed").met).toBe(false)
  })
})

describe("fault targets: outcomes", () => {
  it("says how the operations ended", () => {
    expect(outcomeOf({ totalOps: 10, errors: 3, failures: { OperationTimeout: 2, BenchError: 1 } })).toBe(
      "7 ok, 2 OperationTimeout, 1 BenchError"
    )
    expect(outcomeOf({ totalOps: 0, errors: 0, failures: {} })).toBe("none")
  })
})
