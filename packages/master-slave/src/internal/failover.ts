import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Ref from "effect/Ref"

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
  Effect.gen(function* () {
    if (options.order.length === 0) return yield* Effect.fail(options.onAllUnavailable([]))
    const failed = yield* Ref.make(Chunk.empty<U>())
    const tries = options.order.map((node) =>
      options.attempt(node).pipe(
        Effect.map(Exit.succeed),
        Effect.catchAll((error) =>
          options.isUnavailable(error)
            ? Ref.update(failed, Chunk.append(error)).pipe(
                Effect.zipRight(options.onUnavailable?.(node, error) ?? Effect.void),
                Effect.zipRight(Effect.fail(error))
              )
            : Effect.succeed(Exit.fail(error as Exclude<E, U>))
        )
      )
    )
    const outcome = yield* Effect.firstSuccessOf(tries).pipe(
      Effect.catchAll(() =>
        Ref.get(failed).pipe(
          Effect.flatMap((attempts) => Effect.fail(options.onAllUnavailable(Chunk.toReadonlyArray(attempts))))
        )
      )
    )
    return yield* outcome
  })
