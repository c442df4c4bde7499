import * as Effect from "effect/Effect"
import { MongoClient, type MongoClientOptions } from "mongodb"

/** A raw driver client for the test's scope. */
export const client = (uri: string, options: MongoClientOptions = {}) =>
  Effect.acquireRelease(
    Effect.sync(() => new MongoClient(uri, { serverSelectionTimeoutMS: 5_000, ...options })),
    (c) => Effect.promise(() => c.close(true))
  )

/** A driver call whose rejection is the test's failure. */
export const call = <A>(f: () => Promise<A>): Effect.Effect<A, unknown> =>
  Effect.tryPromise({ try: f, catch: (e) => e })

/** How long an effect took, in milliseconds, with its outcome. */
export const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const started = performance.now()
    const result = yield* Effect.either(effect)
    return { result, millis: performance.now() - started }
  })
