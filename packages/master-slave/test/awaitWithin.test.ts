/**
 * The hedge's wait on the live clock: a fiber's exit if it ends within the
 * time, `undefined` if not, and a wait that is interrupted ends at once and
 * leaves the fiber alone. (Under a `TestClock` the same wait is a race with a
 * sleeping fiber: hedging.property.test.ts.)
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber, Option } from "effect"
import { awaitWithin } from "../src/internal/awaitWithin.js"

describe("awaitWithin on the live clock", () => {
  it.live("gives the fiber's exit when it ends within the time, without waiting the time out", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(Effect.as(Effect.sleep("10 millis"), "answer"))
      const started = performance.now()
      const exit = yield* awaitWithin(fiber, 5_000)
      expect(exit).toEqual(Exit.succeed("answer"))
      expect(performance.now() - started).toBeLessThan(2_000)
    })
  )

  it.live("gives undefined when the time runs out first, and the fiber goes on", () =>
    Effect.gen(function* () {
      const fiber = yield* Effect.fork(Effect.as(Effect.sleep("80 millis"), "late"))
      expect(yield* awaitWithin(fiber, 10)).toBeUndefined()
      expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
      expect(yield* Fiber.join(fiber)).toBe("late")
    })
  )

  it.live("interrupted, the wait ends at once and the fiber it waited on goes on", () =>
    Effect.gen(function* () {
      const awaited = yield* Effect.fork(Effect.as(Effect.sleep("60 millis"), "still here"))
      const waiter = yield* Effect.fork(awaitWithin(awaited, 60_000))
      yield* Effect.sleep("5 millis")
      const exit = yield* Fiber.interrupt(waiter)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(yield* Fiber.join(awaited)).toBe("still here")
    })
  )
})
