import { describe, expect, it } from "@effect/vitest"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { kindOf, Measured, measureEffect, measurePromise, roundOrder } from "../src/workload.js"

class Refused extends Data.TaggedError("Refused")<{}> {}

describe("workload", () => {
  it("starts each round one runner further, so none always goes first", () => {
    expect(roundOrder(["raw", "library"], 0)).toEqual(["raw", "library"])
    expect(roundOrder(["raw", "library"], 1)).toEqual(["library", "raw"])
    expect(roundOrder(["a", "b", "c"], 2)).toEqual(["c", "a", "b"])
    expect(roundOrder(["a", "b", "c"], 3)).toEqual(["a", "b", "c"])
    expect(roundOrder([], 5)).toEqual([])
  })

  it.effect("takes an operation's own measured duration as its latency", () =>
    Effect.gen(function* () {
      const sample = yield* measureEffect((i) => Effect.succeed(new Measured(i + 1)))({ ops: 4, concurrency: 2 })
      expect(sample.latency).toMatchObject({ count: 4, p50: 2, max: 4, mean: 2.5 })
      expect(sample.errors).toBe(0)
    })
  )

  it.effect("tells each operation which worker runs it", () =>
    Effect.gen(function* () {
      const workers = new Set<number>()
      const sample = yield* measureEffect((_, worker) =>
        Effect.sync(() => workers.add(worker)).pipe(Effect.zipRight(Effect.yieldNow()))
      )({ ops: 40, concurrency: 4 })
      expect([...workers].sort()).toEqual([0, 1, 2, 3])
      expect(sample.cpu.perOpMicros).toBeGreaterThanOrEqual(0)
    })
  )

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

  it.effect("counts failures by what they failed with", () =>
    Effect.gen(function* () {
      const effects = yield* measureEffect((i) =>
        i % 3 === 0 ? Effect.fail(new Refused()) : i % 3 === 1 ? Effect.fail(new TypeError("bad")) : Effect.void
      )({ ops: 6, concurrency: 2 })
      expect(effects.failures).toEqual({ Refused: 2, TypeError: 2 })
      const promises = yield* measurePromise((i) => (i < 2 ? Promise.reject(new Refused()) : Promise.resolve()))({
        ops: 3,
        concurrency: 1
      })
      expect(promises.failures).toEqual({ Refused: 2 })
      expect(promises.errors).toBe(2)
    })
  )

  it("names a failure by its tag, else its class, else unknown", () => {
    expect(kindOf(new Refused())).toBe("Refused")
    expect(kindOf(new RangeError("no"))).toBe("RangeError")
    expect(kindOf("a string")).toBe("unknown")
    expect(kindOf({ _tag: 7 })).toBe("unknown")
  })
})
