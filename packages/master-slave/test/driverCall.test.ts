/**
 * One driver call within its deadline, over fake driver promises (no server):
 * an answer in time, a deadline that runs out (the call is aborted), an
 * attempt that goes on because its node answers other calls meanwhile, and
 * interruption (the call is aborted at once, or after a short linger). The same on real servers is in
 * faults.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Fiber } from "effect"
import { collectionOperation, type Deadline, deadlineIn, readCall, writeCall } from "../src/internal/driver.js"

const node = { connectionId: 0, address: "fake:1" }
const find = collectionOperation("find", "db", "items", false)
const insert = collectionOperation("insert", "db", "items", true)

/** A driver call that answers after `millis`, and tells whether (and why) it was aborted. */
const fakeCall = (millis: number) => {
  const seen = { aborted: false, reason: undefined as unknown }
  const f = (signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => resolve("answer"), millis)
      signal.addEventListener("abort", () => {
        seen.aborted = true
        seen.reason = signal.reason
        clearTimeout(timer)
        reject(signal.reason)
      })
    })
  return { f, seen }
}

const failure = <A, E extends { readonly _tag: string }>(exit: Exit.Exit<A, E>) =>
  Exit.isFailure(exit) && exit.cause._tag === "Fail" ? exit.cause.error : undefined

describe("a driver call within its deadline (fake driver promises)", () => {
  it.live("an answer in time is the result; nothing is aborted", () =>
    Effect.gen(function* () {
      const { f, seen } = fakeCall(5)
      expect(yield* readCall(node, find, f, { deadline: deadlineIn(1_000, "attemptTimeout") })).toBe("answer")
      expect(seen.aborted).toBe(false)
    })
  )

  it.live("a slave attempt that runs out fails as NodeUnavailable (timeout), and the call is aborted", () =>
    Effect.gen(function* () {
      const { f, seen } = fakeCall(1_000)
      const exit = yield* Effect.exit(readCall(node, find, f, { deadline: deadlineIn(30, "attemptTimeout") }))
      const error = failure(exit)
      expect(error?._tag).toBe("NodeUnavailable")
      expect(error?._tag === "NodeUnavailable" && error.kind).toBe("timeout")
      expect(seen.aborted).toBe(true)
    })
  )

  it.live(
    "a master operation that runs out fails as OperationTimeout naming its budget; a write says its outcome is unknown",
    () =>
      Effect.gen(function* () {
        const { f, seen } = fakeCall(1_000)
        const exit = yield* Effect.exit(writeCall(node, insert, f, deadlineIn(30, "operationTimeout")))
        const error = failure(exit)
        expect(error?._tag).toBe("OperationTimeout")
        expect(error?.message).toMatch(/ran out of its operationTimeout of 30 ms.*may or may not have been applied/)
        expect(seen.aborted).toBe(true)
      })
  )

  it.live(
    "an attempt whose node answers other calls meanwhile goes on to the read's deadline: a slow call, not a dead node",
    () =>
      Effect.gen(function* () {
        const extended: Array<string> = []
        const make = (alive: boolean): Deadline => ({
          ...deadlineIn(30, "attemptTimeout"),
          extend: {
            deadline: deadlineIn(2_000, "readTimeout"),
            since: performance.now(),
            alive: () => alive,
            onExtend: () => extended.push("x")
          }
        })
        const slow = fakeCall(150)
        expect(yield* readCall(node, find, slow.f, { deadline: make(true) })).toBe("answer")
        expect(slow.seen.aborted).toBe(false)
        expect(extended).toEqual(["x"])
        // a node that answered nothing meanwhile is given up on at the attempt's deadline
        const dead = fakeCall(150)
        const exit = yield* Effect.exit(readCall(node, find, dead.f, { deadline: make(false) }))
        expect(failure(exit)?._tag).toBe("NodeUnavailable")
        expect(dead.seen.aborted).toBe(true)
        // and past the read's own deadline, the read's budget has run out
        const stuck = fakeCall(1_000)
        const late: Deadline = {
          ...deadlineIn(20, "attemptTimeout"),
          extend: {
            deadline: deadlineIn(60, "readTimeout"),
            since: performance.now(),
            alive: () => true,
            onExtend: () => {}
          }
        }
        const error = failure(yield* Effect.exit(readCall(node, find, stuck.f, { deadline: late })))
        expect(error?._tag === "OperationTimeout" && error.budget).toBe("readTimeout")
        expect(stuck.seen.aborted).toBe(true)
      })
  )

  it.live("interruption aborts the call at once", () =>
    Effect.gen(function* () {
      const { f, seen } = fakeCall(10_000)
      const fiber = yield* Effect.fork(readCall(node, find, f, { deadline: deadlineIn(60_000, "attemptTimeout") }))
      yield* Effect.sleep("10 millis")
      yield* Fiber.interrupt(fiber)
      expect(seen.aborted).toBe(true)
      expect((seen.reason as Error).name).toBe("AbortError")
    })
  )

  it.live(
    "an interrupted read given a linger is not aborted if it answers within it, and is aborted when it runs out",
    () =>
      Effect.gen(function* () {
        let lateAnswers = 0
        const deadline: Deadline = {
          ...deadlineIn(60_000, "attemptTimeout"),
          calls: { started: () => {}, ended: () => {}, answeredLate: () => lateAnswers++ }
        }
        const lingered = (f: (signal: AbortSignal) => Promise<string>) =>
          Effect.fork(readCall(node, find, f, { deadline, lingerMillis: 50 }))
        // answers 20 ms after the interruption: its connection would be kept, and the node is known to be alive
        const late = fakeCall(30)
        yield* Fiber.interrupt(yield* Effect.zipLeft(lingered(late.f), Effect.sleep("10 millis")))
        expect(late.seen.aborted).toBe(false)
        yield* Effect.sleep("60 millis")
        expect(late.seen.aborted).toBe(false)
        expect(lateAnswers).toBe(1)
        // never answers: aborted once the linger has passed, not before
        const hung = fakeCall(10_000)
        yield* Fiber.interrupt(yield* Effect.zipLeft(lingered(hung.f), Effect.sleep("10 millis")))
        expect(hung.seen.aborted).toBe(false)
        yield* Effect.sleep("100 millis")
        expect(hung.seen.aborted).toBe(true)
        expect((hung.seen.reason as Error).name).toBe("AbortError")
        expect(lateAnswers).toBe(1)
      })
  )

  it.live("a call tells its deadline when it starts and when it ends, once, however it ends", () =>
    Effect.gen(function* () {
      const seen: Array<string> = []
      const deadline = (millis: number): Deadline => ({
        ...deadlineIn(millis, "attemptTimeout"),
        calls: {
          started: () => seen.push("started"),
          ended: (unanswered) => seen.push(unanswered ? "ended unanswered" : "ended"),
          answeredLate: () => {}
        }
      })
      // answered
      yield* readCall(node, find, fakeCall(5).f, { deadline: deadline(1_000) })
      // timed out
      yield* Effect.exit(readCall(node, find, fakeCall(1_000).f, { deadline: deadline(20) }))
      // interrupted, lingering: ended at the interruption
      const fiber = yield* Effect.fork(
        readCall(node, find, fakeCall(1_000).f, { deadline: deadline(60_000), lingerMillis: 50 })
      )
      yield* Effect.sleep("10 millis")
      yield* Fiber.interrupt(fiber)
      yield* Effect.sleep("80 millis")
      expect(seen).toEqual(["started", "ended", "started", "ended unanswered", "started", "ended unanswered"])
    })
  )

  it.live("a driver method that throws rather than rejects is a typed error, not a defect", () =>
    Effect.gen(function* () {
      const exit = yield* Effect.exit(
        readCall(
          node,
          find,
          () => {
            throw new TypeError("bad argument")
          },
          { deadline: deadlineIn(1_000, "attemptTimeout") }
        )
      )
      // a driver that refuses its arguments: the call was given something wrong
      expect(failure(exit)?._tag).toBe("InvalidOption")
    })
  )
})
