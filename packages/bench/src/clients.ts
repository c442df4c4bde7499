/**
 * The clients the cases compare: a `MasterSlaveConnection` built from the
 * library's layers with their default settings, plain `MongoClient`s of the
 * raw driver, and `effect-mongodb`'s client. All live as long as the
 * enclosing scope.
 *
 * @since 0.1.0
 */
import { type Collection, Master, MasterSlaveConnection, Slaves } from "@mongo-master-slave/core"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as EffectMongo from "effect-mongodb/MongoClient"
import { MongoClient, type MongoClientOptions } from "mongodb"
import { type BenchError, during } from "./errors.js"

/**
 * What a case may change in the library's connection.
 *
 * @since 0.2.0
 */
export interface LibraryOptions {
  /** The connection's options (consistency, heartbeat, ...). */
  readonly connection?: MasterSlaveConnection.Options
  /** More options for every node's client, e.g. `{ monitorCommands: true }`. */
  readonly clientOptions?: MongoClientOptions
  /**
   * The master's budget for every operation (`Master.layer`'s
   * `operationTimeout`); the library's default when absent.
   *
   * @since 0.2.0
   */
  readonly operationTimeout?: Duration.DurationInput
}

/**
 * A connection of the library over a master and slaves, with the library's
 * defaults (random read strategy, attempt timeout 2 s, health checks every
 * second, a heartbeat every second) unless `options` say otherwise.
 *
 * @since 0.1.0
 */
export const library = (
  masterUri: string,
  slaveUris: ReadonlyArray<string>,
  options: LibraryOptions = {}
): Effect.Effect<MasterSlaveConnection.MasterSlaveConnection, BenchError, Scope.Scope> => {
  const clients = options.clientOptions === undefined ? {} : { clientOptions: options.clientOptions }
  const budget = options.operationTimeout === undefined ? {} : { operationTimeout: options.operationTimeout }
  return Layer.build(
    MasterSlaveConnection.layer(options.connection).pipe(
      Layer.provide(
        Layer.merge(
          Master.layer({ uri: masterUri, ...clients, ...budget }),
          Slaves.layer({ uris: slaveUris, ...clients })
        )
      )
    )
  ).pipe(
    Effect.map((context) => Context.get(context, MasterSlaveConnection.MasterSlaveConnection)),
    Effect.mapError(during("connect the library"))
  )
}

/**
 * A collection of the library's connection.
 *
 * @since 0.1.0
 */
export const libraryCollection = (
  connection: MasterSlaveConnection.MasterSlaveConnection,
  database: string,
  name: string
): Effect.Effect<Collection.Collection, BenchError> =>
  connection.database(database).pipe(
    Effect.flatMap((db) => db.collection(name)),
    Effect.mapError(during(`open the collection ${database}.${name}`))
  )

/**
 * A raw driver client, connected.
 *
 * @since 0.1.0
 */
export const raw = (
  uri: string,
  options: MongoClientOptions = {}
): Effect.Effect<MongoClient, BenchError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => new MongoClient(uri, options).connect(),
      catch: during(`connect the raw driver to ${uri}`)
    }),
    (client) => Effect.promise(() => client.close())
  )

/**
 * An `effect-mongodb` client, connected with the same (default) options as
 * the raw driver's client of {@link raw}.
 *
 * @since 0.2.0
 */
export const effectMongodb = (uri: string): Effect.Effect<EffectMongo.MongoClient, BenchError, Scope.Scope> =>
  Effect.mapError(EffectMongo.connectScoped(uri), during(`connect effect-mongodb to ${uri}`))

/**
 * The raw driver's options for a given attempt timeout: the library's
 * connect and server-selection timeouts, and the attempt timeout as the
 * socket timeout (the raw driver has no other bound on a call), so a raw
 * read of a bad slave gives up as soon as the library's attempt does.
 *
 * @since 0.1.0
 */
export const rawSlaveOptions = (attemptTimeoutMillis: number): MongoClientOptions => ({
  serverSelectionTimeoutMS: attemptTimeoutMillis,
  connectTimeoutMS: attemptTimeoutMillis,
  socketTimeoutMS: attemptTimeoutMillis
})

/**
 * The library's default attempt timeout (`Slaves.layer`), in milliseconds.
 *
 * @since 0.1.0
 */
export const defaultAttemptTimeoutMillis = 2_000

/**
 * The library's default health-check interval, in milliseconds.
 *
 * @since 0.1.0
 */
export const defaultHealthCheckIntervalMillis = 1_000
