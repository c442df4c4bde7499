import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { SlaveStatus } from "../ReadStrategy.js"

/**
 * What is known of each slave: whether a recent failure marked it down (no
 * success since), and its recent latency. Reads, the driver's heartbeats and
 * the prober report to it; read strategies see it as `SlaveStatus`.
 *
 * The state is plain mutable arrays: every update is a single synchronous
 * step on the JavaScript thread, and reads consult it on the hot path.
 */
export interface Health {
  readonly statuses: Effect.Effect<ReadonlyArray<SlaveStatus>>
  readonly unsafeStatuses: () => ReadonlyArray<SlaveStatus>
  readonly isDown: (connectionId: number) => boolean
  readonly succeeded: (connectionId: number, latencyMillis: number) => Effect.Effect<void>
  readonly failed: (connectionId: number) => Effect.Effect<void>
  /** For the router's bookkeeping and driver event listeners, outside any effect. */
  readonly unsafeSucceeded: (connectionId: number, latencyMillis: number) => void
  readonly unsafeMark: (connectionId: number, up: boolean) => void
}

// weight of the newest sample in the latency average
const smoothing = 0.2

export const make = (slaves: ReadonlyArray<{ readonly connectionId: number; readonly address: string }>): Health => {
  const down = slaves.map(() => false)
  const latency: Array<number | undefined> = slaves.map(() => undefined)
  // Every read asks for the statuses: they are rebuilt only after a change.
  // Latency changes with every read, so it is refreshed at most every 100 ms.
  let cached: ReadonlyArray<SlaveStatus> | undefined
  let cachedAt = 0
  const unsafeStatuses = () => {
    const now = performance.now()
    if (cached === undefined || now - cachedAt > 100) {
      cachedAt = now
      cached = slaves.map(
        (slave, i): SlaveStatus => ({
          connectionId: slave.connectionId,
          address: slave.address,
          down: down[i]!,
          latencyMillis: Option.fromNullable(latency[i])
        })
      )
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
    if (down[id] === !up) return
    down[id] = !up
    cached = undefined
  }
  return {
    statuses: Effect.sync(unsafeStatuses),
    unsafeStatuses,
    isDown: (id) => down[id] === true,
    succeeded: (id, millis) => Effect.sync(() => unsafeSucceeded(id, millis)),
    failed: (id) => Effect.sync(() => unsafeMark(id, false)),
    unsafeSucceeded,
    unsafeMark
  }
}
