import { describe, expect, it } from "@effect/vitest"
import { median, quantile, quantileSorted, summarize } from "../src/stats.js"

describe("stats", () => {
  it("takes quantiles by nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(quantileSorted(values, 0.5)).toBe(50)
    expect(quantileSorted(values, 0.99)).toBe(99)
    expect(quantileSorted(values, 1)).toBe(100)
    expect(quantileSorted(values, 0)).toBe(1)
    expect(quantileSorted([7], 0.99)).toBe(7)
    expect(quantileSorted([], 0.5)).toBeNaN()
  })

  it("sorts before taking a quantile", () => {
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3)
    expect(quantile(new Float64Array([10, 0.5, 2]), 1)).toBe(10)
  })

  it("takes the median of odd and even counts", () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
  })

  it("summarises latencies", () => {
    const summary = summarize([1, 2, 3, 4, 100])
    expect(summary).toEqual({ count: 5, p50: 3, p90: 100, p99: 100, max: 100, mean: 22 })
  })
})
