import { describe, expect, it } from "@effect/vitest"
import {
  contains,
  covers,
  goodIntervals,
  intersect,
  isFresh,
  merge,
  type Probe,
  subtract
} from "../../src/chaos/timeline.js"

const ok = (start: number, end = start + 5, marker?: number): Probe => ({ node: 0, start, end, ok: true, marker })
const failed = (start: number, end = start + 5): Probe => ({ node: 0, start, end, ok: false })

describe("timeline", () => {
  it("merges overlapping and touching intervals", () => {
    expect(
      merge([
        { from: 5, to: 8 },
        { from: 0, to: 2 },
        { from: 2, to: 4 },
        { from: 7, to: 9 },
        { from: 10, to: 10 }
      ])
    ).toEqual([
      { from: 0, to: 4 },
      { from: 5, to: 9 }
    ])
  })

  it("subtracts holes", () => {
    expect(
      subtract(
        [{ from: 0, to: 10 }],
        [
          { from: 2, to: 3 },
          { from: 8, to: 12 }
        ]
      )
    ).toEqual([
      { from: 0, to: 2 },
      { from: 3, to: 8 }
    ])
    expect(subtract([{ from: 0, to: 10 }], [{ from: -1, to: 11 }])).toEqual([])
  })

  it("intersects", () => {
    expect(
      intersect(
        [
          { from: 0, to: 10 },
          { from: 20, to: 30 }
        ],
        [{ from: 5, to: 25 }]
      )
    ).toEqual([
      { from: 5, to: 10 },
      { from: 20, to: 25 }
    ])
    expect(intersect([{ from: 0, to: 1 }], [])).toEqual([])
  })

  it("covers a span only from one interval", () => {
    const intervals = merge([
      { from: 0, to: 5 },
      { from: 6, to: 10 }
    ])
    expect(covers(intervals, 1, 4)).toBe(true)
    expect(covers(intervals, 4, 7)).toBe(false)
    expect(contains(intervals, 5.5)).toBe(false)
    expect(contains(intervals, 6)).toBe(true)
  })

  it("keeps a node good for a window after each good probe", () => {
    expect(goodIntervals([ok(0), ok(100)], 200)).toEqual([{ from: 0, to: 305 }])
    expect(goodIntervals([ok(0), ok(500)], 200)).toEqual([
      { from: 0, to: 205 },
      { from: 500, to: 705 }
    ])
  })

  it("takes back the window from the start of a failed probe", () => {
    expect(goodIntervals([ok(0), failed(100), ok(400)], 200)).toEqual([
      { from: 0, to: 100 },
      { from: 400, to: 605 }
    ])
  })

  it("judges freshness by the marker a probe showed", () => {
    const fresh = isFresh(500)
    expect(fresh(ok(1000, 1010, 600))).toBe(true)
    expect(fresh(ok(1000, 1010, 400))).toBe(false)
    expect(fresh(ok(1000, 1010))).toBe(false)
    expect(goodIntervals([ok(0, 5, 0), ok(100, 105, -1000)], 200, fresh)).toEqual([{ from: 0, to: 100 }])
  })
})
