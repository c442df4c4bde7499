/**
 * The master: the one writable node. Every write and every command goes to
 * it, and every read inside a request.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { MongoClient, type MongoClientOptions } from "mongodb"
import { ConfigError, ConnectionError } from "./Errors.js"
import { AnyObject, DurationInput, decodeOptions, positiveMillis } from "./internal/options.js"
import * as Uri from "./internal/uri.js"
import { masterConnectionId, Node } from "./Node.js"
import * as WriteConcern from "./WriteConcern.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The master's connection string, plain or `Redacted` (since 0.2.0). Its
   * write concern (`w`, `wtimeoutMS`, `journal`) becomes the connection's
   * initial one.
   */
  readonly uri: string | Redacted.Redacted<string>
  /** How long to wait for the master when connecting, and to select it for each operation. Default 10 seconds. */
  readonly connectTimeout?: Duration.DurationInput
  /**
   * The budget of every operation on the master — writes, commands, reads in
   * a request: when it runs out the operation fails with `OperationTimeout`
   * and the driver's work is aborted. Default 10 seconds.
   */
  readonly operationTimeout?: Duration.DurationInput
  /** More options for its `MongoClient` (e.g. `monitorCommands`, TLS). */
  readonly clientOptions?: MongoClientOptions
}

const OptionsSchema = Schema.Struct({
  uri: Schema.Union(Schema.String, Schema.declare(Redacted.isRedacted, { identifier: "Redacted" })),
  connectTimeout: Schema.optional(DurationInput),
  operationTimeout: Schema.optional(DurationInput),
  clientOptions: Schema.optional(AnyObject)
})

/**
 * The master as a service: its node, and the write concern its URI asked for.
 *
 * @since 0.1.0
 * @category models
 */
export interface Master {
  readonly node: Node
  readonly writeConcern: WriteConcern.State
  /** The budget of every operation on the master. */
  readonly operationTimeoutMillis: number
}

/**
 * @since 0.1.0
 * @category tags
 */
export const Master: Context.Tag<Master, Master> = Context.GenericTag<Master>("@mongo-master-slave/core/Master")

/**
 * Connects to the master for as long as the scope lives; fails with
 * `ConfigError` for bad options and `ConnectionError` when the master does not
 * answer within `connectTimeout`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  input: string | Redacted.Redacted<string> | Options
): Effect.Effect<Master, ConfigError | ConnectionError, Scope.Scope> =>
  Effect.gen(function* () {
    const options = yield* decodeOptions(
      OptionsSchema,
      "master",
      typeof input === "string" || Redacted.isRedacted(input) ? { uri: input } : input
    )
    const parsed = Uri.parse("master", options.uri)
    if (parsed instanceof ConfigError) return yield* parsed
    const writeConcern = yield* Either.mapLeft(
      WriteConcern.fromUriParams(parsed.params),
      (error) => new ConfigError({ setting: "master", reason: `its write concern: ${error.message}` })
    )
    const timeout = yield* positiveMillis("master.connectTimeout", options.connectTimeout ?? "10 seconds")
    const operationTimeoutMillis = yield* positiveMillis(
      "master.operationTimeout",
      options.operationTimeout ?? "10 seconds"
    )
    const address = parsed.hosts.join(",")
    const client = yield* Effect.acquireRelease(
      Effect.try({
        try: () =>
          new MongoClient(Uri.withoutWriteConcern(parsed.uri), {
            serverSelectionTimeoutMS: timeout,
            connectTimeoutMS: timeout,
            ...(options.clientOptions as MongoClientOptions | undefined)
          }),
        catch: (cause) => new ConfigError({ setting: "master", reason: (cause as Error).message })
      }),
      (client) => Effect.promise(() => client.close())
    )
    yield* Effect.tryPromise({
      try: () => client.connect(),
      catch: (cause) =>
        new ConnectionError({
          address,
          reason: `the master did not answer within ${timeout} ms: ${(cause as Error).message}`,
          cause
        })
    })
    const node = new Node("master", masterConnectionId, address, parsed.redacted, client)
    node.connected = true
    // closing the layer's scope closes the client (above): operations after it fail as closed
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        node.closed = true
      })
    )
    return { node, writeConcern, operationTimeoutMillis }
  })

/**
 * The master as a layer: its client is closed when the layer's scope closes.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: string | Redacted.Redacted<string> | Options
): Layer.Layer<Master, ConfigError | ConnectionError> => Layer.scoped(Master, make(options))
