import { describe, expect, it } from "@effect/vitest"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import { Ledger } from "../../src/chaos/ledger.js"
import * as Prng from "../../src/chaos/prng.js"
import { outcomeOf } from "../../src/chaos/workload.js"

describe("ledger", () => {
  it("records inserts, versions and increments for the checks", () => {
    const ledger = new Ledger()
    ledger.counter("own-w0", false)
    ledger.insertSent("w0-0", "w0")
    ledger.insertSent("w0-1", "w0")
    ledger.insertAcked("w0-0", "w0", 10)
    const v = ledger.updateSent("w0-0")
    ledger.updateAcked("w0-0", v)
    ledger.updateSent("w0-0")
    ledger.incrementSent("own-w0")
    ledger.incrementSent("own-w0")
    ledger.incrementAcked("own-w0")
    const snapshot = ledger.snapshot()
    expect([...snapshot.inserts]).toEqual([
      ["w0-0", true],
      ["w0-1", false]
    ])
    expect(snapshot.versions.get("w0-0")).toEqual({ acked: 1, attempted: 2 })
    expect(snapshot.versions.get("w0-1")).toEqual({ acked: -1, attempted: 0 })
    expect(snapshot.counters.get("own-w0")).toEqual({ acked: 1, attempted: 2, shared: false })
    expect(ledger.insertsSentBy("w0")).toBe(2)
    expect(ledger.ownDocument("w0", Prng.make(1))).toBe("w0-0")
  })

  it("finds documents acknowledged before a moment", () => {
    const ledger = new Ledger()
    for (let i = 0; i < 100; i++) {
      ledger.insertSent(`d${i}`, "w0")
      ledger.insertAcked(`d${i}`, "w0", i * 10)
    }
    const random = Prng.make(3)
    for (let i = 0; i < 50; i++) {
      const found = ledger.ackedBefore(505, random, 5)!
      expect(found.at).toBeLessThan(505)
      expect(found.at).toBeGreaterThanOrEqual(460)
    }
    expect(ledger.ackedBefore(0, random)).toBeUndefined()
  })
})

describe("outcomes", () => {
  it("tells typed errors from defects", () => {
    expect(outcomeOf(Exit.succeed(1))).toEqual({ ok: true })
    expect(outcomeOf(Exit.fail({ _tag: "NodeUnavailable", message: "down\nmore" }))).toEqual({
      ok: false,
      error: { tag: "NodeUnavailable", message: "down | more" }
    })
    expect(outcomeOf(Exit.fail(new Error("raw"))).defect).toContain("untyped error")
    expect(outcomeOf(Exit.die(new Error("boom"))).defect).toBe("die: boom")
    expect(outcomeOf(Exit.interrupt(FiberId.none)).defect).toContain("interrupted")
  })
})
