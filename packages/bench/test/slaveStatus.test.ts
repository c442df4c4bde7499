import { describe, expect, it } from "@effect/vitest"
import type { MasterSlaveConnection, ReadStrategy } from "@mongo-master-slave/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as SlaveStatus from "../src/slaveStatus.js"

const status = (connectionId: number, down: boolean, slow = false): ReadStrategy.SlaveStatus => ({
  connectionId,
  address: `127.0.0.1:${connectionId}`,
  down,
  slow,
  latencyMillis: Option.none(),
  stalenessMillis: Option.none()
})

const connectionShowing = (statuses: SlaveStatus.Statuses) =>
  ({ slaveStatus: Effect.succeed(statuses) }) as unknown as MasterSlaveConnection.MasterSlaveConnection

describe("slave status", () => {
  it("tells every slave down from every slave up, and one slave up", () => {
    const mixed = [status(0, true), status(1, false, true), status(2, false)]
    expect(SlaveStatus.everyDown([status(0, true), status(1, true)])).toBe(true)
    expect(SlaveStatus.everyDown(mixed)).toBe(false)
    expect(SlaveStatus.everyDown([])).toBe(false)
    expect(SlaveStatus.everyUp([status(0, false), status(1, false)])).toBe(true)
    expect(SlaveStatus.everyUp(mixed)).toBe(false)
    expect(SlaveStatus.up(2)(mixed)).toBe(true)
    expect(SlaveStatus.up(1, 2)(mixed)).toBe(false)
    expect(SlaveStatus.up(7)(mixed)).toBe(false)
    expect(SlaveStatus.describe(mixed)).toBe("slave 0 down, slave 1 slow, slave 2 up")
  })

  it.effect("returns as soon as the slaves are as wanted, and says what they were when they never are", () =>
    Effect.gen(function* () {
      const down = connectionShowing([status(0, true)])
      expect(
        yield* SlaveStatus.awaitSlaves(down, "every slave down", SlaveStatus.everyDown, 1_000)
      ).toBeGreaterThanOrEqual(0)
      const error = yield* Effect.flip(SlaveStatus.awaitSlaves(down, "every slave up", SlaveStatus.everyUp, -1))
      expect(error.message).toBe("wait for every slave up: not so after -1 ms: slave 0 down")
    })
  )
})
