import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, FastCheck, Fiber, Random, Ref } from "effect"
import { collectionOperation } from "../src/internal/driver.js"
import { firstAvailable } from "../src/internal/failover.js"
import * as ReadStrategy from "../src/ReadStrategy.js"
import * as Request from "../src/Request.js"
import { fakeCluster, type Outcome } from "./fakeNodes.js"

const operation = collectionOperation("find", "db", "items", false)
const outcome = FastCheck.constantFrom<Outcome>("healthy", "unavailable", "failing")
const outcomes = FastCheck.array(outcome, { minLength: 1, maxLength: 8 })
const seed = FastCheck.integer()

/** A read over fake slaves whose attempt order is the seeded random strategy's. */
const readWith = (pattern: ReadonlyArray<Outcome>, seedValue: number, inRequest = false) =>
  Effect.gen(function* () {
    const fake = yield* fakeCluster(pattern, ReadStrategy.random)
    // the order the strategy draws with this seed, drawn again from the same seed
    const order = yield* ReadStrategy.random
      .order(yield* fake.health.statuses)
      .pipe(Effect.withRandom(Random.make(seedValue)))
    const read = fake.router.read(operation, fake.run)
    const exit = yield* (inRequest ? Request.inRequest(read) : read).pipe(
      Effect.withRandom(Random.make(seedValue)),
      Effect.exit
    )
    return { exit, order, touched: yield* Ref.get(fake.touched) }
  })

describe("read failover over fake slaves (property tests)", () => {
  it.effect.prop(
    "the answer comes from the first slave in the attempt order that is not unavailable",
    [outcomes, seed],
    ([pattern, s]) =>
      Effect.gen(function* () {
        const { exit, order, touched } = yield* readWith(pattern, s)
        const first = order.findIndex((id) => pattern[id] !== "unavailable")
        if (first === -1) return true
        expect(touched).toEqual(order.slice(0, first + 1))
        const slave = order[first]!
        if (pattern[slave] === "healthy") expect(exit).toEqual(Exit.succeed(slave))
        else {
          // a failure that is not unavailability stops the read at once
          expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag).toBe("ServerError")
        }
        return true
      })
  )

  it.effect.prop("no slave is tried twice in one read", [outcomes, seed], ([pattern, s]) =>
    Effect.gen(function* () {
      const { touched } = yield* readWith(pattern, s)
      expect(new Set(touched).size).toBe(touched.length)
      return true
    })
  )

  it.effect.prop(
    "with every slave unavailable, AllSlavesUnavailable lists every attempt in the order tried",
    [FastCheck.integer({ min: 1, max: 8 }), seed],
    ([n, s]) =>
      Effect.gen(function* () {
        const { exit, order, touched } = yield* readWith(
          Array.from({ length: n }, () => "unavailable" as const),
          s
        )
        expect(touched).toEqual(order)
        if (!(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag === "AllSlavesUnavailable")) {
          throw new Error(`expected AllSlavesUnavailable, got ${String(exit)}`)
        }
        expect(exit.cause.error.attempts.map((attempt) => attempt.node.connectionId)).toEqual(order)
        return true
      })
  )

  it.effect.prop("inside a request no slave is touched: the master answers", [outcomes, seed], ([pattern, s]) =>
    Effect.gen(function* () {
      const { exit, touched } = yield* readWith(pattern, s, true)
      expect(touched).toEqual([-1])
      expect(exit).toEqual(Exit.succeed(-1))
      return true
    })
  )

  it.effect("a request is fiber-local: a fiber outside it keeps reading from the slaves", () =>
    Effect.gen(function* () {
      const fake = yield* fakeCluster(["healthy", "healthy"], ReadStrategy.random)
      const go = yield* Deferred.make<void>()
      const outside = yield* Effect.fork(
        Deferred.await(go).pipe(Effect.zipRight(fake.router.read(operation, fake.run)))
      )
      const inside = yield* Effect.scoped(
        Effect.gen(function* () {
          yield* Request.startRequest
          const answer = yield* fake.router.read(operation, fake.run)
          yield* Deferred.succeed(go, undefined)
          // the outside read runs while this request is still open
          const other = yield* Fiber.join(outside)
          return { answer, other }
        })
      )
      expect(inside.answer).toBe(-1)
      expect(inside.other).toBeGreaterThanOrEqual(0)
      // and once the scope closed, this fiber reads from the slaves again
      expect(yield* fake.router.read(operation, fake.run)).toBeGreaterThanOrEqual(0)
    })
  )

  it.effect.prop(
    "fallbackToMaster: with every slave unavailable the master answers",
    [FastCheck.integer({ min: 1, max: 8 })],
    ([n]) =>
      Effect.gen(function* () {
        const fake = yield* fakeCluster(
          Array.from({ length: n }, () => "unavailable" as const),
          ReadStrategy.ordered,
          { fallbackToMaster: true }
        )
        expect(yield* fake.router.read(operation, fake.run)).toBe(-1)
        expect(yield* Ref.get(fake.touched)).toEqual([...Array.from({ length: n }, (_, i) => i), -1])
        return true
      })
  )

  it.effect("a slave known to be down is not tried until it answers again", () =>
    Effect.gen(function* () {
      const fake = yield* fakeCluster(["healthy", "healthy", "healthy"], ReadStrategy.ordered)
      yield* fake.health.failed(0)
      expect(yield* fake.router.read(operation, fake.run)).toBe(1)
      yield* fake.health.failed(1)
      expect(yield* fake.router.read(operation, fake.run)).toBe(2)
      yield* fake.health.succeeded(0, 1)
      expect(yield* fake.router.read(operation, fake.run)).toBe(0)
    })
  )

  it.effect.prop(
    "with every slave known to be down, a read touches none: it fails at once listing each as down, or goes to the master",
    [FastCheck.integer({ min: 1, max: 8 }), FastCheck.boolean()],
    ([n, fallbackToMaster]) =>
      Effect.gen(function* () {
        const fake = yield* fakeCluster(
          Array.from({ length: n }, () => "healthy" as const),
          ReadStrategy.random,
          { fallbackToMaster }
        )
        for (let id = 0; id < n; id++) fake.health.unsafeTrouble(id, "down", "fake: refused")
        const exit = yield* Effect.exit(fake.router.read(operation, fake.run))
        if (fallbackToMaster) {
          expect(exit).toEqual(Exit.succeed(-1))
          expect(yield* Ref.get(fake.touched)).toEqual([-1])
          return true
        }
        expect(yield* Ref.get(fake.touched)).toEqual([])
        if (!(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag === "AllSlavesUnavailable")) {
          throw new Error(`expected AllSlavesUnavailable, got ${String(exit)}`)
        }
        const attempts = exit.cause.error.attempts
        expect(attempts.map((attempt) => attempt._tag === "NodeUnavailable" && attempt.kind)).toEqual(
          Array.from({ length: n }, () => "down")
        )
        expect(exit.cause.error.message).toMatch(/known to be down/)
        return true
      })
  )

  it.effect.prop(
    "a slow slave is tried after the others, and still tried",
    [FastCheck.array(FastCheck.boolean(), { minLength: 2, maxLength: 8 })],
    ([slow]) =>
      Effect.gen(function* () {
        const fake = yield* fakeCluster(
          slow.map(() => "unavailable" as const),
          ReadStrategy.ordered
        )
        for (const [id, isSlow] of slow.entries()) if (isSlow) fake.health.unsafeTrouble(id, "slow", "fake: timeout")
        yield* Effect.exit(fake.router.read(operation, fake.run))
        const expected = [...slow.keys()].filter((id) => !slow[id]).concat([...slow.keys()].filter((id) => slow[id]))
        // every slave is unavailable: the read tried them all, the slow ones last
        expect(yield* Ref.get(fake.touched)).toEqual(expected)
        return true
      })
  )

  it.effect("an unavailable slave is marked down by the read that found it", () =>
    Effect.gen(function* () {
      const fake = yield* fakeCluster(["unavailable", "healthy"], ReadStrategy.ordered)
      expect(yield* fake.router.read(operation, fake.run)).toBe(1)
      expect(yield* Ref.get(fake.touched)).toEqual([0, 1])
      expect(fake.health.isDown(0)).toBe(true)
      expect(yield* fake.router.read(operation, fake.run)).toBe(1)
      // the second read went straight to the healthy slave
      expect(yield* Ref.get(fake.touched)).toEqual([0, 1, 1])
    })
  )
})

describe("the random strategy", () => {
  it.effect("puts each slave first about 1/n of the time (fixed seed)", () =>
    Effect.gen(function* () {
      const n = 4
      const draws = 20_000
      const statuses = Array.from({ length: n }, (_, i) => ({
        connectionId: i,
        address: `s${i}`,
        down: false,
        slow: false,
        latencyMillis: { _tag: "None" } as never,
        stalenessMillis: { _tag: "None" } as never
      }))
      const firsts = Array.from({ length: n }, () => 0)
      for (let i = 0; i < draws; i++) {
        const order = yield* ReadStrategy.random.order(statuses)
        firsts[order[0]!]!++
      }
      // chi-square with n-1 = 3 degrees of freedom; 16.27 is its 0.999 quantile
      const expected = draws / n
      const chiSquare = firsts.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0)
      expect(chiSquare).toBeLessThan(16.27)
      for (const count of firsts) expect(Math.abs(count / draws - 1 / n)).toBeLessThan(0.02)
    }).pipe(Effect.withRandom(Random.make("mongo-master-slave")))
  )

  it.effect.prop("always draws a permutation of the slaves", [FastCheck.integer({ min: 1, max: 8 }), seed], ([n, s]) =>
    Effect.gen(function* () {
      const statuses = Array.from({ length: n }, (_, i) => ({
        connectionId: i,
        address: `s${i}`,
        down: false,
        slow: false,
        latencyMillis: { _tag: "None" } as never,
        stalenessMillis: { _tag: "None" } as never
      }))
      const order = yield* ReadStrategy.random.order(statuses).pipe(Effect.withRandom(Random.make(s)))
      expect([...order].sort((a, b) => a - b)).toEqual(statuses.map((x) => x.connectionId))
      return true
    })
  )
})

describe("firstAvailable", () => {
  it.effect("with no node at all, reports no attempts", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        firstAvailable({
          order: [] as Array<number>,
          attempt: () => Effect.succeed(1),
          isUnavailable: (_: never): _ is never => true,
          onAllUnavailable: (attempts) => attempts.length
        })
      )
      expect(error).toBe(0)
    })
  )
})
