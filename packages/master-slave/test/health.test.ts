/**
 * What the connection knows of each slave, on fake slaves and the live clock:
 * a slave with a call waiting well past its usual latency, and no answer
 * meanwhile, is suspect — tried last by reads, free to hedge away from —
 * long before it counts as stalled, and an answer clears it.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Health from "../src/internal/health.js"

const fakeSlaves = [
  { connectionId: 0, address: "fake-slave-0:1" },
  { connectionId: 1, address: "fake-slave-1:1" }
]

/** A health whose slave 0 has answered 40 reads in 4 ms each (its p95), and slave 1 none yet. */
const warmed = () => {
  const health = Health.make(fakeSlaves)
  for (let i = 0; i < 40; i++) health.unsafeSucceeded(0, 4)
  return health
}

describe("a slave that begins to hang (fake slaves, live clock)", () => {
  it.live("is suspect once a call has waited past its threshold with no answer: tried last, not yet stalled", () =>
    Effect.gen(function* () {
      const health = warmed()
      expect(health.latencyP95(0)).toBe(4)
      health.unsafeCallStarted(0)
      expect(health.isSuspect(0)).toBe(false)
      expect(health.unsafeStatuses()[0]!.slow).toBe(false)
      // the threshold: 1.5 × p95 (6 ms), at least 20 ms
      expect(health.untilSuspect(0)).toBeGreaterThan(15)
      expect(health.untilSuspect(0)).toBeLessThanOrEqual(22)
      yield* Effect.sleep("40 millis")
      expect(health.isSuspect(0)).toBe(true)
      expect(health.isStalled(0)).toBe(false)
      // routing sees it at once, not when its cached statuses next expire
      expect(health.unsafeStatuses()[0]!.slow).toBe(true)
      expect(health.untilSuspect(0)).toBe(1)
    })
  )

  it.live("is cleared by any answer, and by the end of its calls", () =>
    Effect.gen(function* () {
      const health = warmed()
      health.unsafeCallStarted(0)
      yield* Effect.sleep("40 millis")
      expect(health.isSuspect(0)).toBe(true)
      health.unsafeAnswered(0)
      expect(health.isSuspect(0)).toBe(false)
      // no call under way: nothing to wait on, however long the silence
      health.unsafeCallEnded(0, false)
      yield* Effect.sleep("40 millis")
      expect(health.isSuspect(0)).toBe(false)
    })
  )

  it.live(
    "a call still under way after another's answer: suspect once the slave has been silent long enough since",
    () =>
      Effect.gen(function* () {
        const health = warmed()
        // two calls; the first answers, the second never does (the slave hung in between)
        health.unsafeCallStarted(0)
        health.unsafeCallStarted(0)
        health.unsafeAnswered(0)
        health.unsafeCallEnded(0, false)
        expect(health.isSuspect(0)).toBe(false)
        yield* Effect.sleep("40 millis")
        expect(health.isSuspect(0)).toBe(true)
        expect(health.unsafeStatuses()[0]!.slow).toBe(true)
      })
  )

  it.live("a call given up unanswered keeps the silence counting until the slave answers anything", () =>
    Effect.gen(function* () {
      const health = warmed()
      health.unsafeCallStarted(0)
      health.unsafeCallEnded(0, true)
      yield* Effect.sleep("40 millis")
      expect(health.isSuspect(0)).toBe(true)
      // a new call does not start the silence afresh
      health.unsafeCallStarted(0)
      expect(health.isSuspect(0)).toBe(true)
      health.unsafeAnswered(0)
      expect(health.isSuspect(0)).toBe(false)
    })
  )

  it("with two calls or more waiting, a silence of one p95 makes it suspect; with one, half as long again", () => {
    const health = Health.make(fakeSlaves)
    for (let i = 0; i < 40; i++) health.unsafeSucceeded(0, 40)
    expect(health.latencyP95(0)).toBe(40)
    health.unsafeCallStarted(0)
    // 1.5 × 40 ms, rounded up, and 2 ms more for the event loop's clock
    expect(health.untilSuspect(0)).toBeGreaterThan(55)
    expect(health.untilSuspect(0)).toBeLessThanOrEqual(62)
    health.unsafeCallStarted(0)
    expect(health.untilSuspect(0)).toBeGreaterThan(35)
    expect(health.untilSuspect(0)).toBeLessThanOrEqual(42)
    // the second call answered: one waits again
    health.unsafeCallEnded(0, false)
    expect(health.untilSuspect(0)).toBeGreaterThan(55)
  })

  it.live("without a latency percentile yet, is suspect only once stalled", () =>
    Effect.gen(function* () {
      const health = warmed()
      health.unsafeCallStarted(1)
      yield* Effect.sleep("40 millis")
      expect(health.latencyP95(1)).toBeUndefined()
      expect(health.isSuspect(1)).toBe(false)
      expect(health.untilSuspect(1)).toBeGreaterThan(150)
    })
  )
})

describe("a down slave that answers a fresh client (fake slaves)", () => {
  it("is no longer down, but slow — tried after the others — until its own client answers", () => {
    const health = Health.make(fakeSlaves)
    health.unsafeTrouble(0, "down", "refused")
    expect(health.isDown(0)).toBe(true)
    health.unsafeReachable(0, "it answered a fresh client")
    expect(health.isDown(0)).toBe(false)
    expect(health.unsafeStatuses()[0]).toMatchObject({ down: false, slow: true })
    expect(health.trouble(0)?.reason).toBe("it answered a fresh client")
    health.unsafeSucceeded(0, 5)
    expect(health.unsafeStatuses()[0]).toMatchObject({ down: false, slow: false })
    // a slave that was not down is left as it is
    health.unsafeReachable(1, "it answered a fresh client")
    expect(health.unsafeStatuses()[1]).toMatchObject({ down: false, slow: false })
  })
})
