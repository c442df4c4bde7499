/**
 * The abort signal each driver call carries, as the driver uses it: listeners
 * added and removed around each wait, told once when the call is given up.
 * (That aborting it closes the connection the driver waited on is held on
 * the real cluster, in faults.test.ts.)
 */
import { once } from "node:events"
import { describe, expect, it } from "@effect/vitest"
import { abandoned, CallSignal } from "../src/internal/abort.js"

describe("the abort signal of a driver call", () => {
  it("tells every listener still added, once, in the order added, with the signal as `this`", () => {
    const signal = new CallSignal()
    const told: Array<string> = []
    const listener = (name: string) =>
      function (this: CallSignal, event: unknown) {
        expect(this).toBe(signal)
        expect(event).toMatchObject({ type: "abort", target: signal })
        told.push(name)
      }
    const first = listener("first")
    const second = listener("second")
    const third = listener("third")
    const fourth = listener("fourth")
    signal.addEventListener("abort", first)
    signal.addEventListener("abort", second)
    signal.addEventListener("abort", third)
    // the first removed while others wait (the usual case: the wait it guarded is over)
    signal.removeEventListener("abort", first)
    signal.addEventListener("abort", fourth)
    // one in the middle removed, and one that was never added
    signal.removeEventListener("abort", third)
    signal.removeEventListener("abort", listener("never added"))
    // other events are not the signal's
    signal.addEventListener("close", listener("close"))
    const reason = abandoned()
    signal.abort(reason)
    signal.abort(new Error("again"))
    expect(told).toEqual(["second", "fourth"])
    expect(signal.aborted).toBe(true)
    expect(signal.reason).toBe(reason)
    expect(() => signal.throwIfAborted()).toThrow(reason)
  })

  it("tells nobody once every listener is removed, and does not throw before it is aborted", () => {
    const signal = new CallSignal()
    let told = 0
    const listener = () => {
      told++
    }
    signal.addEventListener("abort", listener)
    signal.removeEventListener("abort", listener)
    expect(() => signal.throwIfAborted()).not.toThrow()
    signal.abort(abandoned())
    expect(told).toBe(0)
  })

  it("wakes a wait made with events.once on it", async () => {
    const signal = new CallSignal()
    const woken = once(signal.asSignal, "abort")
    signal.abort(abandoned())
    await expect(woken).resolves.toBeDefined()
  })
})
