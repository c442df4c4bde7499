/**
 * Requests, PyMongo's `start_request`/`end_request`: inside a request every
 * read goes to the master, so a program reads its own writes. A request is
 * fiber-local — unlike PyMongo's connection-wide flag, fibers outside it keep
 * reading from the slaves — and ends when its scope closes.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import type * as Scope from "effect/Scope"
import { currentConsistency, type ReadConsistency } from "./internal/consistency.js"

const inRequestState = (state: ReadConsistency): ReadConsistency =>
  state.request ? state : { ...state, request: true }

/**
 * Starts a request for the rest of the enclosing scope: until the scope
 * closes, every read of this fiber (and of fibers it forks) goes to the
 * master.
 *
 * @since 0.1.0
 * @category requests
 */
export const startRequest: Effect.Effect<void, never, Scope.Scope> = Effect.locallyScopedWith(
  currentConsistency,
  inRequestState
)

/**
 * Runs an effect as a request: every read inside goes to the master.
 *
 * @since 0.1.0
 * @category requests
 */
export const inRequest = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locallyWith(self, currentConsistency, inRequestState)

/**
 * Whether the current fiber is inside a request.
 *
 * @since 0.1.0
 * @category requests
 */
export const isInRequest: Effect.Effect<boolean> = Effect.map(
  FiberRef.get(currentConsistency),
  (state) => state.request
)
