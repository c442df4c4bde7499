/**
 * Hedged reads over fake slaves whose latencies run on the test clock (see
 * fakeNodes.ts): when the first slave is slow the next one is tried beside
 * it, the first answer wins, the loser is interrupted, and the budget caps the
 * extra attempts. The same on real servers, with a hanging slave, is in
 * faults.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, FastCheck, Fiber, Ref, TestClock } from "effect"
import { collectionOperation } from "../src/internal/driver.js"
import { firstAvailableHedged } from "../src/internal/failover.js"
import * as ReadStrategy from "../src/ReadStrategy.js"
import { fakeCluster, type Outcome } from "./fakeNodes.js"

const operation = collectionOperation("find", "db", "items", false)

/** Runs a read to its end on the test clock, however long its slaves take. */
const settle = <A, E>(read: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const fiber = yield* Effect.fork(read)
    // runs every sleep due in that time, in order, those scheduled meanwhile too
    yield* TestClock.adjust(10_000)
    return yield* Fiber.await(fiber)
  })

const latency = FastCheck.integer({ min: 1, max: 300 })

describe("hedged reads over fake slaves (property tests)", () => {
  it.effect.prop(
    "the answer is the first to come, counting each slave's start: the first at 0, each next one a hedge delay later",
    [FastCheck.array(latency, { minLength: 2, maxLength: 5 }), FastCheck.integer({ min: 5, max: 100 })],
    ([latencies, delay]) =>
      Effect.gen(function* () {
        const fake = yield* fakeCluster(
          latencies.map((): Outcome => "healthy"),
          ReadStrategy.ordered,
          { latencies, hedge: { delayMillis: delay, maxShare: 1 } }
        )
        const exit = yield* settle(fake.router.read(operation, fake.run))
        // slave i starts at i * delay, unless an earlier one answered by then
        let answerAt = Number.POSITIVE_INFINITY
        for (let i = 0; i < latencies.length && i * delay < answerAt; i++) {
          answerAt = Math.min(answerAt, i * delay + latencies[i]!)
        }
        // (two answers at the same instant: either may win)
        const winners = latencies.map((_, i) => i).filter((i) => i * delay + latencies[i]! === answerAt)
        expect(Exit.isSuccess(exit) && winners.includes(exit.value)).toBe(true)
        const touched = yield* Ref.get(fake.touched)
        // a slave is started only while nothing has answered, and never twice
        expect(new Set(touched).size).toBe(touched.length)
        expect(touched).toEqual(touched.map((_, i) => i))
        for (const id of touched) expect(id * delay).toBeLessThanOrEqual(answerAt)
        return true
      })
  )

  it.effect("the slower attempt is interrupted once the other answers", () =>
    Effect.gen(function* () {
      const fake = yield* fakeCluster(["healthy", "healthy"], ReadStrategy.ordered, {
        latencies: [1_000, 5],
        hedge: { delayMillis: 20, maxShare: 1 }
      })
      const interrupted = yield* Ref.make(false)
      const run = (node: (typeof fake.slaves)[number]) =>
        node.connectionId === 0
          ? fake.run(node).pipe(Effect.onInterrupt(() => Ref.set(interrupted, true)))
          : fake.run(node)
      expect(yield* settle(fake.router.read(operation, run))).toEqual(Exit.succeed(1))
      expect(yield* Ref.get(interrupted)).toBe(true)
    })
  )

  it.effect.prop(
    "an unavailable slave still moves the read on at once, hedge or not",
    [FastCheck.array(FastCheck.constantFrom<Outcome>("healthy", "unavailable"), { minLength: 2, maxLength: 6 })],
    ([outcomes]) =>
      Effect.gen(function* () {
        const fake = yield* fakeCluster(outcomes, ReadStrategy.ordered, { hedge: { delayMillis: 50, maxShare: 1 } })
        const exit = yield* settle(fake.router.read(operation, fake.run))
        const first = outcomes.indexOf("healthy")
        if (first === -1) expect(Exit.isFailure(exit)).toBe(true)
        else expect(exit).toEqual(Exit.succeed(first))
        // no slave answered late: no hedge was needed, each was tried once, in order
        expect(yield* Ref.get(fake.touched)).toEqual(
          outcomes.slice(0, first === -1 ? outcomes.length : first + 1).map((_, i) => i)
        )
        return true
      })
  )

  it.effect.prop(
    "the budget caps the extra attempts at the share of reads (plus a small burst)",
    [FastCheck.integer({ min: 20, max: 60 }), FastCheck.constantFrom(0.05, 0.1, 0.25)],
    ([reads, maxShare]) =>
      Effect.gen(function* () {
        // slave 0 always answers late, so every read would hedge if it could
        const fake = yield* fakeCluster(["healthy", "healthy"], ReadStrategy.ordered, {
          latencies: [100, 1],
          hedge: { delayMillis: 10, maxShare }
        })
        // an extra attempt is a read that touched more than one slave
        let hedges = 0
        for (let i = 0; i < reads; i++) {
          // slave 0 is slow, not hanging: the prober sees it answer between reads
          // (else, its calls all abandoned, it would stall, and a hedge away from it is free)
          fake.health.unsafeAnswered(0)
          const before = (yield* Ref.get(fake.touched)).length
          yield* settle(fake.router.read(operation, fake.run))
          hedges += (yield* Ref.get(fake.touched)).length - before - 1
        }
        expect(hedges).toBeLessThanOrEqual(Math.floor(reads * maxShare) + 10)
        return true
      }),
    { fastCheck: { numRuns: 10 } }
  )

  it.effect.prop(
    "a hedge refused for want of budget is asked for once more, later: if it is allowed then, the next slave answers",
    [
      FastCheck.integer({ min: 5, max: 100 }), // the hedge delay
      FastCheck.integer({ min: 100, max: 400 }), // when to ask again
      FastCheck.integer({ min: 1, max: 50 }), // the next slave's latency
      FastCheck.integer({ min: 200, max: 3_000 }), // the first slave's latency (a slave that hangs)
      FastCheck.boolean() // whether asking again is allowed at all
    ],
    ([delay, again, nextLatency, firstLatency, asksAgain]) =>
      Effect.gen(function* () {
        // two events at the same instant may come in either order: not what this checks
        if (delay + again === firstLatency || delay + again + nextLatency === firstLatency) return true
        const latencies = [firstLatency, nextLatency]
        let asked = 0
        const read = firstAvailableHedged({
          order: [0, 1],
          attempt: (node: number) => Effect.as(Effect.sleep(latencies[node]!), node),
          isUnavailable: (_error: never): _error is never => false,
          onAllUnavailable: () => "none",
          hedgeAfter: () => delay,
          // refused the first time (no budget), allowed the second (the slave is suspect)
          mayHedge: () => ++asked > 1,
          ...(asksAgain ? { askAgainAfter: () => again } : {}),
          onHedge: () => Effect.void
        })
        const exit = yield* settle(read)
        const hedgedAt = delay + again
        const hedgeWins = asksAgain && hedgedAt < firstLatency && hedgedAt + nextLatency < firstLatency
        expect(exit).toEqual(Exit.succeed(hedgeWins ? 1 : 0))
        // asked when the delay passed (the first slave takes longer), and once more only if it had not answered by then
        expect(asked).toBe(asksAgain && hedgedAt < firstLatency ? 2 : 1)
        return true
      })
  )
})
