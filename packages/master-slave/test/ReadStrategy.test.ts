import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck, Option } from "effect"
import * as ReadStrategy from "../src/ReadStrategy.js"

const status = (id: number, latency?: number, down = false, slow = false): ReadStrategy.SlaveStatus => ({
  connectionId: id,
  address: `s${id}`,
  down,
  slow,
  latencyMillis: Option.fromNullable(latency),
  stalenessMillis: Option.none()
})

describe("read strategies", () => {
  it.effect("ordered always starts at slave 0", () =>
    Effect.gen(function* () {
      expect(yield* ReadStrategy.ordered.order([status(0), status(1), status(2)])).toEqual([0, 1, 2])
    })
  )

  it.effect("round-robin starts each read at the next slave", () =>
    Effect.gen(function* () {
      const strategy = ReadStrategy.roundRobin()
      const slaves = [status(0), status(1), status(2)]
      const firsts = []
      for (let i = 0; i < 6; i++) firsts.push((yield* strategy.order(slaves))[0])
      expect(firsts).toEqual([0, 1, 2, 0, 1, 2])
      expect(yield* strategy.order(slaves)).toEqual([0, 1, 2])
    })
  )

  it.effect("lowest-latency puts unmeasured slaves first, then the fastest", () =>
    Effect.gen(function* () {
      const order = yield* ReadStrategy.lowestLatency.order([status(0, 9), status(1), status(2, 3), status(3, 5)])
      expect(order).toEqual([1, 2, 3, 0])
    })
  )
})

describe("the attempt order", () => {
  it("leaves slaves known to be down out, and moves slow ones to the end, keeping the strategy's order", () => {
    expect(ReadStrategy.attemptOrder([status(0, 1, true), status(1), status(2)], [0, 2, 1])).toEqual([2, 1])
    expect(ReadStrategy.attemptOrder([status(0), status(1, 1, false, true), status(2)], [1, 0, 2])).toEqual([0, 2, 1])
    expect(ReadStrategy.attemptOrder([status(0, 1, true), status(1, 1, true)], [0, 1])).toEqual([])
    expect(ReadStrategy.skippedAsDown([status(0, 1, true), status(1), status(2, 1, true)])).toEqual([0, 2])
  })

  it("drops unknown and repeated ids, and falls back to every slave when nothing is left", () => {
    const slaves = [status(0), status(1)]
    expect(ReadStrategy.attemptOrder(slaves, [1, 1, 7, -1])).toEqual([1])
    expect(ReadStrategy.attemptOrder(slaves, [])).toEqual([0, 1])
    expect(ReadStrategy.attemptOrder(slaves, [9])).toEqual([0, 1])
  })

  it.prop(
    "is a set of distinct slaves, none down, the slow ones after the others",
    [
      FastCheck.array(FastCheck.constantFrom("up", "slow", "down"), { minLength: 1, maxLength: 8 }),
      FastCheck.array(FastCheck.integer({ min: -2, max: 9 }))
    ],
    ([states, proposed]) => {
      const slaves = states.map((state, i) => status(i, undefined, state === "down", state === "slow"))
      const order = ReadStrategy.attemptOrder(slaves, proposed)
      expect(new Set(order).size).toBe(order.length)
      expect(order.every((id) => states[id] !== "down")).toBe(true)
      const firstSlow = order.findIndex((id) => states[id] === "slow")
      if (firstSlow !== -1) expect(order.slice(firstSlow).every((id) => states[id] === "slow")).toBe(true)
      // whatever the strategy proposed, every slave that is not down is still tried
      const valid = proposed.filter((id) => id >= 0 && id < states.length)
      if (valid.length === 0) expect(order.length).toBe(states.filter((state) => state !== "down").length)
      return true
    }
  )
})

describe("a strategy of untyped code", () => {
  it.prop(
    "whatever it gives — not even an array — every slave that is not down is tried, none twice",
    [
      FastCheck.anything(),
      FastCheck.array(FastCheck.constantFrom("up", "down", "slow"), { minLength: 1, maxLength: 5 })
    ],
    ([proposed, states]) => {
      const slaves = states.map((state, id) => status(id, undefined, state === "down", state === "slow"))
      const order = ReadStrategy.attemptOrder(slaves, proposed as ReadonlyArray<number>)
      expect(new Set(order).size).toBe(order.length)
      for (const id of order) expect(states[id]).not.toBe("down")
      if (!Array.isArray(proposed)) expect(order.length).toBe(states.filter((state) => state !== "down").length)
    }
  )
})

describe("nthPermutation", () => {
  it("numbers every permutation exactly once (n up to 6)", () => {
    const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1))
    for (let n = 1; n <= 6; n++) {
      const items = Array.from({ length: n }, (_, i) => i)
      const seen = new Set<string>()
      for (let index = 0; index < factorial(n); index++) {
        const permutation = ReadStrategy.nthPermutation(items, index)
        expect([...permutation].sort((a, b) => a - b)).toEqual(items)
        seen.add(permutation.join(","))
      }
      expect(seen.size).toBe(factorial(n))
    }
  })
})
