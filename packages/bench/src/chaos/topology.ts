/**
 * The deployment of a chaos run: a local cluster, a fault proxy in front of
 * the master and of every slave, and the library's connections through the
 * proxies (so a fault can be injected on each node on its own).
 *
 * @since 0.2.0
 */
import { Master, MasterSlaveConnection, Slaves } from "@mongo-master-slave/core"
import { ExternalCluster, FaultProxy, LocalCluster, Parts } from "@mongo-master-slave/testkit"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { MongoClient, type MongoClientOptions } from "mongodb"
import type { Progress } from "../cluster.js"
import { type BenchError, during } from "../errors.js"
import type { ChaosConfig } from "./config.js"
import { markerNamespace } from "./oracle.js"
import * as Quirks from "./quirks.js"

/**
 * Where the workload writes.
 *
 * @since 0.2.0
 */
export const dataNamespace = { database: "msc_chaos", docs: "docs", counters: "counters" } as const

/**
 * Every collection of the run, created on the master before the slaves'
 * FerretDB starts: FerretDB 1.x loads its catalog once per process, so a
 * collection created later would stay invisible to the slaves until
 * `waitForReplication` restarts them.
 *
 * @since 0.2.0
 */
export const collections: ReadonlyArray<string> = [
  ...LocalCluster.defaultCollections,
  `${dataNamespace.database}.${dataNamespace.docs}`,
  `${dataNamespace.database}.${dataNamespace.counters}`,
  `${markerNamespace.database}.${markerNamespace.collection}`,
  `${Quirks.namespace.database}.${Quirks.namespace.collection}`
]

/**
 * Starts the local cluster (installing its parts when missing). A chaos run
 * stops and starts slaves, so a deployment of your own will not do.
 *
 * @since 0.2.0
 */
export const startCluster = (
  slaves: number,
  progress: Progress
): Effect.Effect<LocalCluster.LocalCluster, BenchError, Scope.Scope> =>
  Effect.gen(function* () {
    if (yield* ExternalCluster.isConfigured) {
      return yield* during("start the chaos run")(
        "it stops and starts slaves, so it needs the local cluster: unset MSC_MASTER_URI and MSC_SLAVE_URIS"
      )
    }
    const parts = yield* Effect.mapError(Parts.ensure(progress), during("install the local cluster's parts"))
    yield* progress(`starting a local cluster with ${slaves} slaves`)
    return yield* Effect.mapError(
      LocalCluster.make({ slaves, parts, progress, collections }),
      during("start the local cluster")
    )
  })

/**
 * The proxies in front of the master and of each slave.
 *
 * @since 0.2.0
 */
export interface Proxies {
  readonly master: FaultProxy.FaultProxy
  readonly slaves: ReadonlyArray<FaultProxy.FaultProxy>
  readonly all: ReadonlyArray<FaultProxy.FaultProxy>
}

/**
 * Starts a proxy in front of every node, for as long as the scope lives.
 *
 * @since 0.2.0
 */
export const startProxies = (cluster: LocalCluster.LocalCluster): Effect.Effect<Proxies, BenchError, Scope.Scope> =>
  Effect.gen(function* () {
    const proxy = (uri: string) =>
      Effect.mapError(FaultProxy.make(FaultProxy.targetOf(uri)), during("start a fault proxy"))
    const master = yield* proxy(cluster.masterUri)
    const slaves = yield* Effect.forEach(cluster.slaveUris, proxy)
    return { master, slaves, all: [master, ...slaves] }
  })

/**
 * A connection of the library through the proxies, with the run's settings,
 * for as long as the scope lives.
 *
 * @since 0.2.0
 */
export const connect = (
  proxies: Proxies,
  config: ChaosConfig,
  options: { readonly fallbackToMaster: boolean }
): Effect.Effect<MasterSlaveConnection.MasterSlaveConnection, BenchError, Scope.Scope> => {
  const { library } = config
  return Layer.build(
    MasterSlaveConnection.layer({
      fallbackToMaster: options.fallbackToMaster,
      causalWait: library.causalWaitMillis,
      heartbeat: { interval: library.heartbeatIntervalMillis },
      readTimeout: config.budgets.readTimeoutMillis
    }).pipe(
      Layer.provide(
        Layer.merge(
          Master.layer({
            uri: proxies.master.uri,
            connectTimeout: library.connectTimeoutMillis,
            operationTimeout: config.budgets.operationTimeoutMillis
          }),
          Slaves.layer({
            uris: proxies.slaves.map((p) => p.uri),
            attemptTimeout: library.attemptTimeoutMillis,
            healthCheckInterval: library.healthCheckIntervalMillis
          })
        )
      )
    )
  ).pipe(
    Effect.map((context) => Context.get(context, MasterSlaveConnection.MasterSlaveConnection)),
    Effect.mapError(during("connect the library"))
  )
}

/**
 * The driver options the library gives its clients with the run's settings
 * (as `Master.layer` and `Slaves.layer` set them up today), for raw clients
 * that must behave as the library's would.
 *
 * @since 0.2.0
 */
export const libraryClientOptions = (
  config: ChaosConfig
): { readonly master: MongoClientOptions; readonly slave: MongoClientOptions } => {
  const { attemptTimeoutMillis, connectTimeoutMillis, healthCheckIntervalMillis } = config.library
  return {
    master: { serverSelectionTimeoutMS: connectTimeoutMillis, connectTimeoutMS: connectTimeoutMillis },
    slave: {
      directConnection: true,
      readPreference: "secondaryPreferred",
      retryReads: false,
      serverSelectionTimeoutMS: attemptTimeoutMillis,
      connectTimeoutMS: attemptTimeoutMillis,
      socketTimeoutMS: Math.max(10_000, 2 * attemptTimeoutMillis),
      // the library's prober checks each slave every healthCheckInterval; its driver monitors keep 10 s
      heartbeatFrequencyMS: Math.max(healthCheckIntervalMillis, 10_000)
    }
  }
}

/**
 * Makes the counters the workload increments, at 0, on the master with the
 * raw driver, so no increment has to create one.
 *
 * @since 0.2.0
 */
export const prepareData = (masterUri: string, counters: ReadonlyArray<string>): Effect.Effect<void, BenchError> =>
  Effect.acquireUseRelease(
    Effect.sync(() => new MongoClient(masterUri, { serverSelectionTimeoutMS: 10_000 })),
    (client) =>
      Effect.tryPromise({
        try: async () => {
          const db = client.db(dataNamespace.database)
          await db.collection(dataNamespace.docs).deleteMany({})
          await db.collection(dataNamespace.counters).deleteMany({})
          await db
            .collection<{ _id: string; n: number }>(dataNamespace.counters)
            .insertMany(counters.map((id) => ({ _id: id, n: 0 })))
        },
        catch: during("prepare the counters on the master")
      }),
    (client) => Effect.promise(() => client.close(true))
  )
