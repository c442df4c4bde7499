import { describe, expect, it } from "@effect/vitest"
import * as Prng from "../../src/chaos/prng.js"

const draw = (seed: number, n = 20) => {
  const random = Prng.make(seed)
  return Array.from({ length: n }, () => random.next())
}

describe("prng", () => {
  it("gives the same sequence for the same seed", () => {
    expect(draw(42)).toEqual(draw(42))
  })

  it("gives another sequence for another seed", () => {
    expect(draw(42)).not.toEqual(draw(43))
  })

  it("stays in range", () => {
    const random = Prng.make(7)
    for (let i = 0; i < 1000; i++) {
      const x = random.next()
      expect(x).toBeGreaterThanOrEqual(0)
      expect(x).toBeLessThan(1)
      const n = random.int(3, 5)
      expect([3, 4, 5]).toContain(n)
      const y = random.between(10, 20)
      expect(y).toBeGreaterThanOrEqual(10)
      expect(y).toBeLessThan(20)
    }
  })

  it("draws by weight, never a key of weight 0", () => {
    const random = Prng.make(1)
    const seen = { a: 0, b: 0, c: 0 }
    for (let i = 0; i < 3000; i++) seen[random.weighted({ a: 1, b: 2, c: 0 })]++
    expect(seen.c).toBe(0)
    expect(seen.b).toBeGreaterThan(seen.a)
  })

  it("derives distinct, stable seeds per label", () => {
    expect(Prng.derive(5, "w0")).toBe(Prng.derive(5, "w0"))
    expect(Prng.derive(5, "w0")).not.toBe(Prng.derive(5, "w1"))
    expect(Prng.derive(5, "w0")).not.toBe(Prng.derive(6, "w0"))
  })
})
