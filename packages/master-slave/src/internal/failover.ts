import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { awaitWithin } from "./awaitWithin.js"

/**
 * Runs `attempt` on each node in `order` until one answers. Only an
 * unavailable node (`isUnavailable`) moves the read on to the next; any other
 * failure ends the read at once, because it would fail the same way on every
 * node. When every node is unavailable, `onAllUnavailable` receives the
 * failed attempts in the order they were tried.
 *
 * `Effect.firstSuccessOf` moves on after any failure, so each attempt keeps
 * only unavailability in its error channel; any other failure ends the race
 * as a success would, and is raised again after it.
 */
export interface FirstAvailableOptions<N, A, E, U extends E, E2> {
  readonly order: ReadonlyArray<N>
  /**
   * The attempt on `node`, the `index`-th of the read (0: the first): built
   * as the race runs, or with one node as `firstAvailable` is called.
   */
  readonly attempt: (node: N, index: number) => Effect.Effect<A, E>
  readonly isUnavailable: (error: E) => error is U
  readonly onAllUnavailable: (attempts: ReadonlyArray<U>) => E2
  /** Told of every unavailable node, as it is passed over. */
  readonly onUnavailable?: (node: N, error: U) => Effect.Effect<void>
}

// `Effect.catchAll`, with its one usual case (a single failure) taken first:
// a failure handler alone, skipped on success without a step of its own
const catchFailure = <A, E, A2, E2>(
  effect: Effect.Effect<A, E>,
  onError: (error: E) => Effect.Effect<A2, E2>
): Effect.Effect<A | A2, E2> =>
  Effect.catchAllCause(effect, (cause) =>
    cause._tag === "Fail" ? onError(cause.error) : Effect.catchAll(Effect.failCause(cause), onError)
  )

export const firstAvailable = <N, A, E, U extends E, E2>(
  options: FirstAvailableOptions<N, A, E, U, E2>
): Effect.Effect<A, Exclude<E, U> | E2> => (options.order.length === 1 ? onlyAttempt(options) : race(options))

// One node: the race of one attempt is that attempt, its unavailability
// every node's. Nothing is kept across attempts, so it needs neither a state
// of its own per read nor the race's handling of a fatal error
// (firstSuccessOf would still copy it into a Chunk and reduce over an empty
// tail): a failure handler alone, skipped on success. Its attempt is built
// now, as `attempt` is called.
const onlyAttempt = <N, A, E, U extends E, E2>(
  options: FirstAvailableOptions<N, A, E, U, E2>
): Effect.Effect<A, Exclude<E, U> | E2> => {
  const { isUnavailable, onUnavailable } = options
  const node = options.order[0]!
  const onError = (error: E): Effect.Effect<never, Exclude<E, U> | E2> => {
    if (!isUnavailable(error)) return Effect.fail(error as Exclude<E, U>)
    const none = Effect.fail(options.onAllUnavailable([error]))
    return onUnavailable === undefined ? none : Effect.zipRight(onUnavailable(node, error), none)
  }
  return catchFailure(options.attempt(node, 0), onError)
}

const race = <N, A, E, U extends E, E2>(
  options: FirstAvailableOptions<N, A, E, U, E2>
): Effect.Effect<A, Exclude<E, U> | E2> =>
  Effect.suspend(() => {
    const { order, isUnavailable, onUnavailable } = options
    if (order.length === 0) return Effect.fail(options.onAllUnavailable([]))
    // the attempts that found their node unavailable, in order (one array per read)
    const failed: Array<U> = []
    // A fatal error ends the race as a success would, and is raised again
    // after it: it is kept here, and the attempt "succeeds" with a marker.
    let fatal: { readonly error: Exclude<E, U> } | undefined
    const tries = new Array<Effect.Effect<A, U>>(order.length)
    for (let i = 0; i < order.length; i++) {
      const node = order[i]!
      const onError = (error: E): Effect.Effect<A, U> => {
        if (!isUnavailable(error)) {
          fatal = { error: error as Exclude<E, U> }
          return Effect.succeed(undefined as A)
        }
        failed.push(error)
        return onUnavailable === undefined
          ? Effect.fail(error)
          : Effect.zipRight(onUnavailable(node, error), Effect.fail(error))
      }
      tries[i] = catchFailure(options.attempt(node, i), onError)
    }
    return Effect.matchCauseEffect(Effect.firstSuccessOf(tries), {
      onFailure: (cause) =>
        Effect.catchAll(Effect.failCause(cause), () => Effect.fail(options.onAllUnavailable(failed))),
      onSuccess: (value): Effect.Effect<A, Exclude<E, U>> =>
        fatal === undefined ? Effect.succeed(value) : Effect.fail(fatal.error)
    })
  })

/**
 * {@link firstAvailable} with hedging: when the attempt on a node has not
 * answered within `hedgeAfter(node)` milliseconds (and `mayHedge()` allows
 * it), the attempt on the next node starts beside it; the first answer wins
 * and the other attempt is interrupted. An unavailable node still moves the
 * read on at once. Without a delay for a node, its attempt is simply
 * followed by the next one's, as in `firstAvailable`.
 */
export const firstAvailableHedged = <N, A, E, U extends E, E2>(
  options: FirstAvailableOptions<N, A, E, U, E2> & {
    /** How long to wait for `node` before starting the next node's attempt beside it; `undefined`: do not. */
    readonly hedgeAfter: (node: N) => number | undefined
    /**
     * Whether a hedge away from `node` may start now (the budget of extra
     * attempts); called once per hedge it would start.
     */
    readonly mayHedge: (node: N) => boolean
    /**
     * When a hedge away from `node` was not allowed, how long to wait before
     * asking once more (a slave that has stalled meanwhile may be left for
     * free); `undefined`: do not ask again.
     */
    readonly askAgainAfter?: (node: N) => number | undefined
    /** Told of every hedge, with the node whose attempt it starts. */
    readonly onHedge: (node: N) => Effect.Effect<void>
  }
): Effect.Effect<A, Exclude<E, U> | E2> =>
  Effect.suspend(() => {
    const { order } = options
    if (order.length === 0) return Effect.fail(options.onAllUnavailable([]))
    const failed: Array<U> = []
    // an attempt's outcome — its value or a fatal error — in the success channel, unavailability in the failure one
    const attempt = (node: N, index: number): Effect.Effect<Exit.Exit<A, Exclude<E, U>>, U> =>
      Effect.matchEffect(options.attempt(node, index), {
        onSuccess: (value) => Effect.succeed(Exit.succeed(value)),
        onFailure: (error) => {
          if (!options.isUnavailable(error)) return Effect.succeed(Exit.fail(error as Exclude<E, U>))
          failed.push(error)
          const fail = Effect.fail(error)
          return options.onUnavailable === undefined ? fail : Effect.zipRight(options.onUnavailable(node, error), fail)
        }
      })
    // the attempt's outcome: a value, a fatal error, or the next node's (unavailable)
    const settle = (
      exit: Exit.Exit<Exit.Exit<A, Exclude<E, U>>, U>,
      i: number
    ): Effect.Effect<Exit.Exit<A, Exclude<E, U>>, U> =>
      Exit.isSuccess(exit)
        ? exit
        : // unavailable: the next node, at once; anything else (a defect) as it is
          Cause.isFailType(exit.cause)
          ? from(i + 1)
          : exit
    const from = (i: number): Effect.Effect<Exit.Exit<A, Exclude<E, U>>, U> => {
      const node = order[i]!
      if (i === order.length - 1) return attempt(node, i)
      const next = order[i + 1]!
      const delay = options.hedgeAfter(node)
      if (delay === undefined) return Effect.orElse(attempt(node, i), () => from(i + 1))
      return Effect.flatMap(Effect.fork(attempt(node, i)), (running) => {
        // the attempt goes on in its own fiber: a read given up must stop it too
        const stop = () => Fiber.interrupt(running)
        const first = Effect.onInterrupt(
          Effect.flatMap(running.await, (exit) => exit),
          stop
        )
        // after `wait` ms without an answer, a hedge if allowed; `askAgain`:
        // whether a hedge refused then is asked for once more
        const watch = (wait: number, askAgain: boolean): Effect.Effect<Exit.Exit<A, Exclude<E, U>>, U> =>
          Effect.flatMap(awaitWithin(running, wait), (exit) => {
            if (exit !== undefined) return settle(exit, i)
            if (options.mayHedge(node)) return Effect.zipRight(options.onHedge(next), Effect.race(first, from(i + 1)))
            const again = askAgain ? options.askAgainAfter?.(node) : undefined
            return again === undefined ? Effect.orElse(first, () => from(i + 1)) : watch(again, false)
          })
        return Effect.onInterrupt(watch(delay, true), stop)
      })
    }
    return from(0).pipe(
      Effect.catchAll(() => Effect.fail(options.onAllUnavailable(failed))),
      Effect.flatten
    )
  })
