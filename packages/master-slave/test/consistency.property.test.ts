/**
 * Routing under staleness bounds and causal positions, over fake slaves
 * (see fakeNodes.ts): which slaves a read may touch, what it reports when
 * none qualifies, and how writes move a causal scope's position. The same
 * rules on real servers are in staleness.test.ts and causal.test.ts.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, FastCheck, Option, Ref } from "effect"
import * as Consistency from "../src/Consistency.js"
import { now } from "../src/internal/consistency.js"
import { collectionOperation } from "../src/internal/driver.js"
import { mayCatchUp, requiredPosition, splitByFreshness } from "../src/internal/routing.js"
import * as ReadStrategy from "../src/ReadStrategy.js"
import { fakeCluster } from "./fakeNodes.js"

const operation = collectionOperation("find", "db", "items", false)
const write = collectionOperation("insert", "db", "items", true)
const seen = FastCheck.oneof(
  FastCheck.constant(Number.NEGATIVE_INFINITY),
  FastCheck.double({ min: 0, max: 10_000, noNaN: true })
)

describe("splitting the attempt order by freshness (pure)", () => {
  it.prop(
    "fresh slaves have shown the position, the others are stale; each part keeps the attempt order",
    [
      FastCheck.array(seen, { minLength: 1, maxLength: 8 }).chain((shown) =>
        FastCheck.tuple(FastCheck.constant(shown), FastCheck.shuffledSubarray(shown.map((_, i) => i)))
      ),
      FastCheck.double({ min: 0, max: 10_000, noNaN: true })
    ],
    ([[shown, order], position]) => {
      const { fresh, stale } = splitByFreshness(order, shown, position)
      for (const id of fresh) expect(shown[id]!).toBeGreaterThanOrEqual(position)
      for (const id of stale) expect(shown[id]! >= position && shown[id] !== Number.NEGATIVE_INFINITY).toBe(false)
      expect([...fresh, ...stale].sort()).toEqual([...order].sort())
      expect(fresh).toEqual(order.filter((id) => fresh.includes(id)))
      expect(stale).toEqual(order.filter((id) => stale.includes(id)))
    }
  )

  it.prop(
    "with no requirement, every slave may serve, even one whose staleness is unknown",
    [FastCheck.array(seen, { minLength: 1, maxLength: 8 })],
    ([shown]) => {
      const order = shown.map((_, i) => i)
      expect(splitByFreshness(order, shown, Number.NEGATIVE_INFINITY)).toEqual({ fresh: order, stale: [] })
    }
  )

  it.prop(
    "the required position is the later of the causal position and the staleness bound's",
    [
      FastCheck.oneof(
        FastCheck.constant(Number.NEGATIVE_INFINITY),
        FastCheck.double({ min: 0, max: 1e6, noNaN: true })
      ),
      FastCheck.double({ min: 0, max: 1e6, noNaN: true }),
      FastCheck.option(FastCheck.double({ min: 0, max: 1e6, noNaN: true }), { nil: undefined })
    ],
    ([causal, startedAt, bound]) => {
      const position = requiredPosition(causal, startedAt, bound)
      expect(position).toBe(bound === undefined ? causal : Math.max(causal, startedAt - bound))
    }
  )

  it.prop(
    "waiting is worth it only if a slave that is up may show the position by the deadline",
    [
      FastCheck.array(
        FastCheck.record({
          down: FastCheck.boolean(),
          lag: FastCheck.oneof(FastCheck.constant(Number.POSITIVE_INFINITY), FastCheck.integer({ min: 0, max: 5_000 }))
        }),
        { minLength: 1, maxLength: 8 }
      ),
      FastCheck.integer({ min: 0, max: 5_000 })
    ],
    ([slaves, wait]) => {
      const ids = slaves.map((_, i) => i)
      const expected = slaves.some((slave) => !slave.down && slave.lag <= wait)
      expect(
        mayCatchUp(
          ids,
          (id) => slaves[id]!.down,
          slaves.map((slave) => slave.lag),
          1_000,
          1_000 + wait
        )
      ).toBe(expected)
    }
  )
})

/** Fake slaves, each `ages[i]` ms behind (`undefined`: never probed). */
const staleCluster = (
  ages: ReadonlyArray<number | undefined>,
  options: { readonly fallbackToMaster?: boolean; readonly maxStalenessMillis?: number } = {}
) =>
  Effect.gen(function* () {
    const fake = yield* fakeCluster(
      ages.map(() => "healthy"),
      ReadStrategy.ordered,
      options
    )
    const at = now()
    ages.forEach((age, id) => {
      if (age !== undefined) fake.health.unsafeObserved(id, at - age, age)
    })
    return fake
  })

// ages far from the 500 ms bound, so the milliseconds a test takes cannot move a slave across it
const age = FastCheck.oneof(
  FastCheck.constant(undefined),
  FastCheck.integer({ min: 0, max: 200 }),
  FastCheck.integer({ min: 2_000, max: 60_000 })
)
const ages = FastCheck.array(age, { minLength: 1, maxLength: 8 })
const isFresh = (a: number | undefined) => a !== undefined && a <= 500

describe("bounded staleness over fake slaves (property tests)", () => {
  it.effect.prop(
    "a read with maxStaleness touches only slaves within the bound; with none, it fails listing every slave as too stale",
    [ages],
    ([pattern]) =>
      Effect.gen(function* () {
        const fake = yield* staleCluster(pattern)
        const exit = yield* Effect.exit(fake.router.read(operation, fake.run, { maxStalenessMillis: 500 }))
        const touched = yield* Ref.get(fake.touched)
        for (const id of touched) expect(isFresh(pattern[id])).toBe(true)
        const first = pattern.findIndex(isFresh)
        if (first !== -1) {
          expect(exit).toEqual(Exit.succeed(first))
          return true
        }
        expect(touched).toEqual([])
        if (!(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag === "AllSlavesUnavailable")) {
          throw new Error(`expected AllSlavesUnavailable, got ${String(exit)}`)
        }
        const attempts = exit.cause.error.attempts
        expect(attempts.map((attempt) => attempt._tag)).toEqual(pattern.map(() => "StaleSlave"))
        expect(attempts.map((attempt) => attempt.node.connectionId)).toEqual(pattern.map((_, i) => i))
        for (const attempt of attempts) {
          if (attempt._tag !== "StaleSlave") continue
          expect(attempt.required).toBe(500)
          expect(attempt.stalenessMillis === undefined).toBe(pattern[attempt.node.connectionId] === undefined)
        }
        return true
      })
  )

  it.effect.prop("with fallbackToMaster, a read no slave is fresh enough for goes to the master", [ages], ([pattern]) =>
    Effect.gen(function* () {
      const fake = yield* staleCluster(pattern, { fallbackToMaster: true, maxStalenessMillis: 500 })
      const answer = yield* fake.router.read(operation, fake.run)
      expect(answer).toBe(pattern.some(isFresh) ? pattern.findIndex(isFresh) : -1)
      return true
    })
  )

  it.effect.prop("the fiber's bound applies to its reads; a read's own bound wins over it", [ages], ([pattern]) =>
    Effect.gen(function* () {
      const fake = yield* staleCluster(pattern)
      // no bound at all: the first slave serves, however stale
      expect(yield* fake.router.read(operation, fake.run)).toBe(0)
      const bounded = yield* Effect.exit(
        Consistency.withMaxStaleness(fake.router.read(operation, fake.run), "500 millis")
      )
      expect(Exit.isSuccess(bounded)).toBe(pattern.some(isFresh))
      // the read's own (looser) bound wins: every slave seen at all qualifies
      const loose = yield* Consistency.withMaxStaleness(
        Effect.exit(fake.router.read(operation, fake.run, { maxStalenessMillis: 3_600_000 })),
        "500 millis"
      )
      if (pattern.some((a) => a !== undefined)) {
        expect(loose).toEqual(Exit.succeed(pattern.findIndex((a) => a !== undefined)))
      } else {
        // a slave never probed is never known to be within any bound
        expect(Exit.isFailure(loose) && loose.cause._tag === "Fail" && loose.cause.error._tag).toBe(
          "AllSlavesUnavailable"
        )
      }
      return true
    })
  )

  it.effect("an invalid bound is an InvalidOption, not a defect", () =>
    Effect.gen(function* () {
      const fake = yield* staleCluster([0])
      for (const bad of ["soon", -1, Number.NaN, null, {}]) {
        const exit = yield* Effect.exit(
          Consistency.withMaxStaleness(fake.router.read(operation, fake.run), bad as never)
        )
        expect(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag).toBe("InvalidOption")
      }
    })
  )
})

describe("causal scopes over fake slaves (property tests)", () => {
  it.effect.prop(
    "a causal read touches only slaves that have shown the scope's position, else the master",
    [FastCheck.array(FastCheck.boolean(), { minLength: 1, maxLength: 8 })],
    ([shown]) =>
      Effect.gen(function* () {
        const fake = yield* fakeCluster(
          shown.map(() => "healthy"),
          ReadStrategy.ordered
        )
        const position = now()
        for (const [id, has] of shown.entries()) {
          fake.health.unsafeObserved(id, has ? position + 1 : position - 1, 1)
        }
        const answer = yield* Consistency.causalAfter(
          fake.router.read(operation, fake.run),
          new Consistency.CausalPosition({ millis: position })
        )
        expect(answer).toBe(shown.includes(true) ? shown.indexOf(true) : -1)
        for (const id of yield* Ref.get(fake.touched)) expect(id === -1 || shown[id]).toBe(true)
        return true
      })
  )

  it.effect("a write in a causal scope moves its position on; outside one, nothing is recorded", () =>
    Effect.gen(function* () {
      const fake = yield* fakeCluster(["healthy"], ReadStrategy.ordered)
      expect(yield* Consistency.position).toEqual(Option.none())
      const before = now()
      const { inside, after } = yield* Consistency.causal(
        Effect.gen(function* () {
          const inside = yield* Consistency.position
          yield* fake.router.onMaster(write, fake.run)
          return { inside, after: yield* Consistency.position }
        })
      )
      expect(inside).toEqual(Option.none())
      const millis = Option.getOrThrow(after).millis
      expect(millis).toBeGreaterThanOrEqual(before)
      expect(millis).toBeLessThanOrEqual(now())
    })
  )

  it.effect("fibers forked in a causal scope share its position, and carry it explicitly elsewhere", () =>
    Effect.gen(function* () {
      const fake = yield* fakeCluster(["healthy"], ReadStrategy.ordered)
      const position = yield* Consistency.causal(
        Effect.gen(function* () {
          yield* Effect.fork(fake.router.onMaster(write, fake.run)).pipe(Effect.flatMap((fiber) => fiber.await))
          return yield* Consistency.position
        })
      )
      expect(Option.isSome(position)).toBe(true)
      const carried = yield* Consistency.causalAfter(Consistency.position, Option.getOrThrow(position))
      expect(carried).toEqual(position)
      expect(yield* Consistency.causalAfter(Consistency.level, Option.getOrThrow(position))).toBe("causal")
    })
  )
})
