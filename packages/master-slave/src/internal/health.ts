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
  readonly isDown: (connectionId: number) => boolean
  readonly succeeded: (connectionId: number, latencyMillis: number) => Effect.Effect<void>
  readonly failed: (connectionId: number) => Effect.Effect<void>
  /** For driver event listeners, outside any fiber. */
  readonly unsafeMark: (connectionId: number, up: boolean) => void
}

// weight of the newest sample in the latency average
const smoothing = 0.2

export const make = (slaves: ReadonlyArray<{ readonly connectionId: number; readonly address: string }>): Health => {
  const down = slaves.map(() => false)
  const latency: Array<number | undefined> = slaves.map(() => undefined)
  const statuses = Effect.sync(() =>
    slaves.map(
      (slave, i): SlaveStatus => ({
        connectionId: slave.connectionId,
        address: slave.address,
        down: down[i]!,
        latencyMillis: Option.fromNullable(latency[i])
      })
    )
  )
  return {
    statuses,
    isDown: (id) => down[id] === true,
    succeeded: (id, millis) =>
      Effect.sync(() => {
        down[id] = false
        const previous = latency[id]
        latency[id] = previous === undefined ? millis : previous * (1 - smoothing) + millis * smoothing
      }),
    failed: (id) =>
      Effect.sync(() => {
        down[id] = true
      }),
    unsafeMark: (id, up) => {
      down[id] = !up
    }
  }
}
