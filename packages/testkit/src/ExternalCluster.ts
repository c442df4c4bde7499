/**
 * The `Cluster` service over a deployment of your own, named by
 * `MSC_MASTER_URI` and `MSC_SLAVE_URIS` (separated by commas or spaces): for example a
 * MongoDB replica set, its primary as the master and each secondary, reached
 * with a direct connection, as a slave.
 *
 * Controls that need local processes (stopping a slave, pausing or delaying
 * its replication) fail with `NotSupported`. `waitForReplication` writes a marker
 * on the master and waits until every slave serves it.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { MongoClient } from "mongodb"
import { Cluster, ClusterError, NotSupported, ReplicationTimeout, type WaitOptions } from "./Cluster.js"

const markerDatabase = "msc_testkit"
const markerCollection = "replication_marker"

const connect = (uri: string, readPreference: "primary" | "secondaryPreferred") =>
  Effect.acquireRelease(
    Effect.try({
      try: () => new MongoClient(uri, { readPreference, serverSelectionTimeoutMS: 5_000 }),
      catch: (cause) =>
        new ClusterError({ operation: "connect to the external cluster", reason: `${uri}: ${String(cause)}`, cause })
    }),
    (client) => Effect.promise(() => client.close())
  )

const driver = <A>(operation: string, f: () => Promise<A>) =>
  Effect.tryPromise({ try: f, catch: (cause) => new ClusterError({ operation, reason: String(cause), cause }) })

/**
 * The cluster at the given URIs.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  masterUri: string,
  slaveUris: ReadonlyArray<string>
): Effect.Effect<Cluster, ClusterError, Scope.Scope> =>
  Effect.gen(function* () {
    if (slaveUris.length === 0) {
      return yield* new ClusterError({ operation: "use the external cluster", reason: "MSC_SLAVE_URIS names no slave" })
    }
    const master = yield* connect(masterUri, "primary")
    const slaves = yield* Effect.forEach(slaveUris, (uri) => connect(uri, "secondaryPreferred"))
    const unsupported = (operation: string) => () => Effect.fail(new NotSupported({ operation }))

    const waitForReplication = (options: WaitOptions = {}) =>
      Effect.gen(function* () {
        const limit = Duration.decode(options.timeout ?? "30 seconds")
        const marker = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`
        yield* driver("write the replication marker", () =>
          master.db(markerDatabase).collection(markerCollection).insertOne({ marker, at: new Date() })
        )
        const lagging = yield* Effect.forEach(
          slaves,
          (slave, index) =>
            driver("read the replication marker", () =>
              slave.db(markerDatabase).collection(markerCollection).findOne({ marker })
            ).pipe(
              Effect.map((found) => found !== null),
              Effect.orElseSucceed(() => false),
              Effect.repeat({ until: (seen) => seen, schedule: Schedule.spaced("20 millis") }),
              Effect.timeoutOption(limit),
              Effect.map((seen) => (Option.isSome(seen) ? [] : [index]))
            ),
          { concurrency: "unbounded" }
        ).pipe(Effect.map((results) => results.flat()))
        if (lagging.length > 0) {
          return yield* new ReplicationTimeout({ slaves: lagging, timeout: Duration.format(limit) })
        }
      })

    return {
      kind: "external",
      masterUri,
      slaveUris,
      stopSlave: unsupported("stopSlave"),
      startSlave: unsupported("startSlave"),
      pauseReplication: unsupported("pauseReplication"),
      resumeReplication: unsupported("resumeReplication"),
      setReplicationDelay: unsupported("setReplicationDelay"),
      waitForReplication
    } satisfies Cluster
  })

/**
 * `MSC_MASTER_URI`, and `MSC_SLAVE_URIS` split on commas or spaces.
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<{ readonly masterUri: string; readonly slaveUris: ReadonlyArray<string> }> =
  Config.all({
    masterUri: Config.string("MSC_MASTER_URI"),
    slaveUris: Config.string("MSC_SLAVE_URIS").pipe(
      // as the library reads it: commas, spaces or both; a replica set's own commas stay
      Config.map((value) =>
        value
          .split(/[\s,]+(?=mongodb(?:\+srv)?:\/\/)/i)
          .map((uri) => uri.replace(/^[\s,]+|[\s,]+$/g, ""))
          .filter((uri) => uri.length > 0)
      )
    )
  })

/**
 * Whether `MSC_MASTER_URI` is set (and not empty), that is whether to use an
 * external cluster.
 *
 * @since 0.1.0
 * @category config
 */
export const isConfigured: Effect.Effect<boolean> = Config.option(Config.string("MSC_MASTER_URI")).pipe(
  Effect.map(Option.exists((uri) => uri.trim().length > 0)),
  Effect.orElseSucceed(() => false)
)

/**
 * The external cluster as the `Cluster` service, from the environment.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Cluster, ClusterError | ConfigError.ConfigError> = Layer.scoped(
  Cluster,
  Effect.flatMap(config, ({ masterUri, slaveUris }) => make(masterUri, slaveUris))
)
