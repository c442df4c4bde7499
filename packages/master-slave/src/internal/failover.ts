import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

/**
 * Runs `attempt` on each node in `order` until one answers. Only an
 * unavailable node (`isUnavailable`) moves the read on to the next; any other
 * failure ends the read at once, because it would fail the same way on every
 * node. When every node is unavailable, `onAllUnavailable` receives the
 * failed attempts in the order they were tried.
 *
 * `Effect.firstSuccessOf` moves on after any failure, so each attempt keeps
 * only unavailability in its error channel and carries every other outcome
 * (its value, or a fatal error) in its success channel, as an `Exit`; after
 * the race the fatal error is raised again.
 */
export const firstAvailable = <N, A, E, U extends E, E2>(options: {
  readonly order: ReadonlyArray<N>
  readonly attempt: (node: N) => Effect.Effect<A, E>
  readonly isUnavailable: (error: E) => error is U
  readonly onAllUnavailable: (attempts: ReadonlyArray<U>) => E2
  /** Told of every unavailable node, as it is passed over. */
  readonly onUnavailable?: (node: N, error: U) => Effect.Effect<void>
}): Effect.Effect<A, Exclude<E, U> | E2> =>
  Effect.suspend(() => {
    if (options.order.length === 0) return Effect.fail(options.onAllUnavailable([]))
    // the attempts that found their node unavailable, in order (one array per read)
    const failed: Array<U> = []
    const tries = options.order.map((node) =>
      Effect.matchEffect(options.attempt(node), {
        onSuccess: (value) => Effect.succeed(Exit.succeed(value)),
        onFailure: (error) => {
          if (!options.isUnavailable(error)) return Effect.succeed(Exit.fail(error as Exclude<E, U>))
          failed.push(error)
          const fail = Effect.fail(error)
          return options.onUnavailable === undefined ? fail : Effect.zipRight(options.onUnavailable(node, error), fail)
        }
      })
    )
    return Effect.firstSuccessOf(tries).pipe(
      Effect.catchAll(() => Effect.fail(options.onAllUnavailable(failed))),
      Effect.flatten
    )
  })
