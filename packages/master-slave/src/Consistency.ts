/**
 * How fresh a read must be. A slave is a copy that may lag behind the
 * master; the connection measures, for every slave, an upper bound on how far
 * behind it can be (its staleness bound) from a heartbeat document it writes
 * on the master and reads back from each slave. On top of that bound:
 *
 * | level | guarantee | where reads go |
 * |---|---|---|
 * | eventual (default) | a committed state of the master | any available slave |
 * | bounded (`maxStaleness`) | every write acknowledged more than `maxStaleness` before the read started | slaves within the bound; then `fallbackToMaster` decides |
 * | causal (`causal`, `startCausal`) | every write acknowledged earlier in the scope | slaves that have applied them (a short bounded wait), then the master |
 * | request (`inRequest`, `startRequest`) | read-your-writes, PyMongo's way | the master |
 *
 * A request wins over the others; a causal read with a `maxStaleness` needs
 * both.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { InvalidOption, showValue } from "./Errors.js"
import { type CausalSession, currentConsistency, type ReadConsistency } from "./internal/consistency.js"
import { stalenessMillis } from "./internal/options.js"

/**
 * Where a causal scope stands: every write it made had been acknowledged by
 * this moment (milliseconds on this process's monotonic clock). Carry it to
 * another fiber of the same process with {@link causalAfter}, so that fiber's
 * reads see those writes too. It means nothing to another process.
 *
 * @since 0.2.0
 * @category models
 */
export class CausalPosition extends Data.Class<{ readonly millis: number }> {
  override toString(): string {
    return `CausalPosition(${new Date(this.millis).toISOString()})`
  }
}

const joinSession = (state: ReadConsistency): ReadConsistency =>
  state.session === undefined ? { ...state, session: { position: Number.NEGATIVE_INFINITY } } : state

/**
 * Runs an effect as a causal scope: every read inside sees every write
 * acknowledged earlier in the scope (by this fiber or one it forked). Reads
 * are served by a slave that has applied those writes — waiting up to the
 * connection's `causalWait` for one to catch up — and only then by the
 * master. Inside another causal scope it joins that scope.
 *
 * @since 0.2.0
 * @category causal
 */
export const causal = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.locallyWith(self, currentConsistency, joinSession)

/**
 * Starts a causal scope for the rest of the enclosing `Scope` (see
 * {@link causal}).
 *
 * @since 0.2.0
 * @category causal
 */
export const startCausal: Effect.Effect<void, never, Scope.Scope> = Effect.locallyScopedWith(
  currentConsistency,
  joinSession
)

/**
 * The current causal scope's position: `None` outside a causal scope, or
 * before the scope has written anything.
 *
 * @since 0.2.0
 * @category causal
 */
export const position: Effect.Effect<Option.Option<CausalPosition>> = Effect.map(
  FiberRef.get(currentConsistency),
  (state) =>
    state.session === undefined || state.session.position === Number.NEGATIVE_INFINITY
      ? Option.none()
      : Option.some(new CausalPosition({ millis: state.session.position }))
)

/**
 * Runs an effect as a causal scope that starts at `position` — taken from
 * another fiber's scope with {@link position} — so its reads see that scope's
 * writes as well as its own. Inside a causal scope already, that scope moves
 * on to `position` if it is behind it. Anything but a `CausalPosition` is
 * an `InvalidOption` (since 0.2.0).
 *
 * @since 0.2.0
 * @category causal
 */
export const causalAfter: {
  (position: CausalPosition): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | InvalidOption, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, position: CausalPosition): Effect.Effect<A, E | InvalidOption, R>
} = dual(
  2,
  <A, E, R>(self: Effect.Effect<A, E, R>, position: CausalPosition): Effect.Effect<A, E | InvalidOption, R> =>
    Effect.flatMap(FiberRef.get(currentConsistency), (state): Effect.Effect<A, E | InvalidOption, R> => {
      if (!(position instanceof CausalPosition) || typeof position.millis !== "number") {
        return Effect.fail(
          new InvalidOption({
            option: "position",
            reason: `expected a CausalPosition from Consistency.position, got ${showValue(position)}`
          })
        )
      }
      const at = Number.isFinite(position.millis) ? position.millis : Number.NEGATIVE_INFINITY
      if (state.session !== undefined) {
        state.session.position = Math.max(state.session.position, at)
        return self
      }
      const session: CausalSession = { position: at }
      return Effect.locally(self, currentConsistency, { ...state, session })
    })
)

/**
 * Runs an effect whose reads must reflect every write acknowledged more than
 * `maxStaleness` before each read started: they are served only by slaves
 * whose staleness bound is within it (see the connection's
 * `fallbackToMaster` for when none is). A read's own `maxStaleness` option
 * takes precedence.
 *
 * @since 0.2.0
 * @category bounded staleness
 */
export const withMaxStaleness: {
  (
    maxStaleness: Duration.DurationInput
  ): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | InvalidOption, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, maxStaleness: Duration.DurationInput): Effect.Effect<A, E | InvalidOption, R>
} = dual(
  2,
  <A, E, R>(
    self: Effect.Effect<A, E, R>,
    maxStaleness: Duration.DurationInput
  ): Effect.Effect<A, E | InvalidOption, R> =>
    Effect.suspend((): Effect.Effect<A, E | InvalidOption, R> => {
      const millis = stalenessMillis("maxStaleness", maxStaleness)
      if (typeof millis !== "number") return Effect.fail(millis)
      return Effect.locallyWith(self, currentConsistency, (state) => ({ ...state, maxStalenessMillis: millis }))
    })
)

/**
 * The consistency the current fiber asks of its reads, for logs and tests.
 *
 * @since 0.2.0
 * @category models
 */
export type Level = "eventual" | "bounded" | "causal" | "request"

/**
 * The consistency level the current fiber's reads get (a request wins; a
 * causal scope with a staleness bound counts as causal).
 *
 * @since 0.2.0
 * @category models
 */
export const level: Effect.Effect<Level> = Effect.map(FiberRef.get(currentConsistency), (state) =>
  state.request
    ? "request"
    : state.session !== undefined
      ? "causal"
      : state.maxStalenessMillis !== undefined
        ? "bounded"
        : "eventual"
)
