import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { SlaveStatus } from "../ReadStrategy.js"
import { now } from "./consistency.js"

/**
 * What is known of each slave: whether a recent failure marked it down (no
 * success since), its recent latency, and how far behind the master it can
 * be — from the newest heartbeat of this connection seen on it. Reads, the
 * driver's heartbeats and the prober report to it; read strategies see it as
 * `SlaveStatus`.
 *
 * The state is plain mutable arrays: every update is a single synchronous
 * step on the JavaScript thread, and reads consult it on the hot path.
 */
export interface Health {
  /** Every slave's status as of now. */
  readonly statuses: Effect.Effect<ReadonlyArray<SlaveStatus>>
  /** The statuses for routing: rebuilt after a change, and at most every 100 ms for latency and staleness. */
  readonly unsafeStatuses: () => ReadonlyArray<SlaveStatus>
  readonly isDown: (connectionId: number) => boolean
  readonly succeeded: (connectionId: number, latencyMillis: number) => Effect.Effect<void>
  readonly failed: (connectionId: number) => Effect.Effect<void>
  /** For the router's bookkeeping and driver event listeners, outside any effect. */
  readonly unsafeSucceeded: (connectionId: number, latencyMillis: number) => void
  readonly unsafeMark: (connectionId: number, up: boolean) => void
  /**
   * The send time of the newest heartbeat seen on each slave (see
   * `consistency.now`); `-Infinity` while unknown. Everything the master
   * acknowledged before that moment is on the slave.
   */
  readonly seen: ReadonlyArray<number>
  /** How far behind each slave was when last probed, in milliseconds; `Infinity` while unknown. */
  readonly lag: ReadonlyArray<number>
  /**
   * A probe found the heartbeat sent at `seenAt` on the slave (`-Infinity`:
   * none) and answered at `answeredAt`.
   */
  readonly unsafeObserved: (connectionId: number, seenAt: number, answeredAt: number) => void
  /** The slave's staleness bound at `at`, in milliseconds: `Infinity` while unknown. */
  readonly stalenessMillis: (connectionId: number, at: number) => number
}

// weight of the newest sample in the latency average
const smoothing = 0.2

export const make = (slaves: ReadonlyArray<{ readonly connectionId: number; readonly address: string }>): Health => {
  const down = slaves.map(() => false)
  const latency: Array<number | undefined> = slaves.map(() => undefined)
  const seen: Array<number> = slaves.map(() => Number.NEGATIVE_INFINITY)
  const lag: Array<number> = slaves.map(() => Number.POSITIVE_INFINITY)
  const stalenessMillis = (id: number, at: number) => Math.max(0, at - seen[id]!)
  const build = (at: number) =>
    slaves.map(
      (slave, i): SlaveStatus => ({
        connectionId: slave.connectionId,
        address: slave.address,
        down: down[i]!,
        latencyMillis: Option.fromNullable(latency[i]),
        stalenessMillis: seen[i] === Number.NEGATIVE_INFINITY ? Option.none() : Option.some(stalenessMillis(i, at))
      })
    )
  // Every read asks for the statuses: they are rebuilt only after a change.
  // Latency and staleness change all the time, so they are refreshed at most every 100 ms.
  let cached: ReadonlyArray<SlaveStatus> | undefined
  let cachedAt = 0
  const unsafeStatuses = () => {
    const at = performance.now()
    if (cached === undefined || at - cachedAt > 100) {
      cachedAt = at
      cached = build(now())
    }
    return cached
  }
  const unsafeSucceeded = (id: number, millis: number) => {
    if (down[id]) {
      down[id] = false
      cached = undefined
    }
    const previous = latency[id]
    latency[id] = previous === undefined ? millis : previous * (1 - smoothing) + millis * smoothing
  }
  const unsafeMark = (id: number, up: boolean) => {
    if (!up && seen[id] !== Number.NEGATIVE_INFINITY) {
      // A slave that failed may come back as an older copy (a standby
      // restarted from an earlier restart point): what it showed no longer holds.
      seen[id] = Number.NEGATIVE_INFINITY
      lag[id] = Number.POSITIVE_INFINITY
      cached = undefined
    }
    if (down[id] === !up) return
    down[id] = !up
    cached = undefined
  }
  const unsafeObserved = (id: number, seenAt: number, answeredAt: number) => {
    seen[id] = seenAt
    lag[id] = seenAt === Number.NEGATIVE_INFINITY ? Number.POSITIVE_INFINITY : Math.max(0, answeredAt - seenAt)
  }
  return {
    statuses: Effect.sync(() => build(now())),
    unsafeStatuses,
    isDown: (id) => down[id] === true,
    succeeded: (id, millis) => Effect.sync(() => unsafeSucceeded(id, millis)),
    failed: (id) => Effect.sync(() => unsafeMark(id, false)),
    unsafeSucceeded,
    unsafeMark,
    seen,
    lag,
    unsafeObserved,
    stalenessMillis
  }
}
