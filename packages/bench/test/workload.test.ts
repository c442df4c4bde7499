import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { measureEffect, roundOrder } from "../src/workload.js"

describe("workload", () => {
  it("starts each round one runner further, so none always goes first", () => {
    expect(roundOrder(["raw", "library"], 0)).toEqual(["raw", "library"])
    expect(roundOrder(["raw", "library"], 1)).toEqual(["library", "raw"])
    expect(roundOrder(["a", "b", "c"], 2)).toEqual(["c", "a", "b"])
    expect(roundOrder(["a", "b", "c"], 3)).toEqual(["a", "b", "c"])
    expect(roundOrder([], 5)).toEqual([])
  })

  it.effect("counts failures, with the first one's message", () =>
    Effect.gen(function* () {
      const sample = yield* measureEffect((i) => (i % 2 === 0 ? Effect.fail(new Error(`no ${i}`)) : Effect.void))({
        ops: 4,
        concurrency: 1
      })
      expect(sample.errors).toBe(2)
      expect(sample.firstError).toBe("no 0")
    })
  )
})
