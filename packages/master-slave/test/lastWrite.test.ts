/**
 * Staleness from the replication positions MongoDB reports in `hello`
 * (pure): the stand-in cluster (FerretDB) reports none, so this source is
 * tested here over made-up replies; on it, the heartbeat document is the
 * source (staleness.test.ts).
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck } from "effect"
import { Long, Timestamp } from "mongodb"
import { keep, type MasterSample, positionOf, shownAt } from "../src/internal/lastWrite.js"

describe("replication positions from hello (pure)", () => {
  it("reads lastWrite.opTime.ts from a reply, as one ordered number; none from a stand-in's reply", () => {
    const ts = new Timestamp({ t: 1_700_000_000, i: 7 })
    expect(positionOf({ isWritablePrimary: false, lastWrite: { opTime: { ts, t: Long.fromNumber(3) } } })).toBe(
      (1_700_000_000n << 32n) | 7n
    )
    expect(positionOf({ isWritablePrimary: true })).toBeUndefined()
    expect(positionOf(null)).toBeUndefined()
    expect(positionOf({ lastWrite: { opTime: {} } })).toBeUndefined()
    // later writes, larger positions
    const a = positionOf({ lastWrite: { opTime: { ts: new Timestamp({ t: 10, i: 2 }) } } })!
    const b = positionOf({ lastWrite: { opTime: { ts: new Timestamp({ t: 11, i: 0 }) } } })!
    expect(a < b).toBe(true)
  })

  it.prop(
    "a slave at a position shows the latest sample it has reached, and nothing before the first",
    [
      FastCheck.array(FastCheck.integer({ min: 0, max: 1_000 }), { minLength: 1, maxLength: 30 }),
      FastCheck.integer({ min: -10, max: 1_100 })
    ],
    ([steps, slave]) => {
      // positions never go back as time goes on
      let position = 0
      const samples: Array<MasterSample> = steps.map((step, i) => {
        position += step
        return { sentAt: 1_000 + i, position: BigInt(position) }
      })
      const shown = shownAt(samples, BigInt(slave))
      const reached = samples.filter((sample) => sample.position <= BigInt(slave))
      expect(shown).toBe(reached.length === 0 ? Number.NEGATIVE_INFINITY : reached.at(-1)!.sentAt)
    }
  )

  it("keeps the newest samples only", () => {
    const samples: Array<MasterSample> = []
    for (let i = 0; i < 100; i++) keep(samples, { sentAt: i, position: BigInt(i) }, 64)
    expect(samples.length).toBe(64)
    expect(samples[0]!.sentAt).toBe(36)
  })
})
