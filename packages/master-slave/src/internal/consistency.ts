import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"

/**
 * A causal scope's position: the moment (on {@link now}'s clock) by which
 * every write of the scope had been acknowledged. A read in the scope needs a
 * slave that shows a heartbeat sent at or after it. `-Infinity` until the
 * scope writes. Shared, and advanced in place, by every fiber of the scope.
 */
export interface CausalSession {
  position: number
}

/** What the current fiber asks of its reads. */
export interface ReadConsistency {
  /** Inside a request: every read goes to the master. */
  readonly request: boolean
  /** Inside a causal scope: reads see the scope's writes. */
  readonly session: CausalSession | undefined
  /** A bound on staleness set with `withMaxStaleness`, in milliseconds. */
  readonly maxStalenessMillis: number | undefined
}

export const eventual: ReadConsistency = { request: false, session: undefined, maxStalenessMillis: undefined }

/**
 * One fiber ref for everything a read's routing depends on, so a read looks
 * it up once. A global value: two copies of this module share it.
 */
export const currentConsistency: FiberRef.FiberRef<ReadConsistency> = globalValue(
  Symbol.for("@mongo-master-slave/core/currentConsistency"),
  () => FiberRef.unsafeMake<ReadConsistency>(eventual)
)

/**
 * The clock heartbeats and positions are taken on: milliseconds since the
 * epoch, read from the monotonic clock (it never goes back, whatever the
 * wall clock does). Every comparison is between two readings of this one
 * process's clock, so no clock skew enters a bound.
 */
export const now = (): number => performance.timeOrigin + performance.now()
