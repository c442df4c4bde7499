/**
 * The demo: everything mongo-master-slave is for, on a real cluster, in
 * under a minute. On a deployment of your own (`MSC_MASTER_URI`) it runs
 * every step that does not need to stop slaves or pause their replication.
 *
 * @since 0.1.0
 */
import { Master, MasterSlaveConnection, Slaves } from "@mongo-master-slave/core"
import { Cluster, ExternalCluster, LocalCluster } from "@mongo-master-slave/testkit"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { bold, cyan, dim, green, progress, say, seconds } from "./narrate.js"
import * as Steps from "./steps.js"

/**
 * The test cluster: the local one, started with a live progress line, or the
 * deployment `MSC_MASTER_URI`/`MSC_SLAVE_URIS` name.
 *
 * @since 0.1.0
 */
export const ClusterLive: Layer.Layer<Cluster.Cluster, unknown> = Layer.unwrapScoped(
  Effect.gen(function* () {
    if (yield* ExternalCluster.isConfigured) {
      yield* say(dim("Using the deployment of MSC_MASTER_URI/MSC_SLAVE_URIS."))
      return ExternalCluster.layer
    }
    const line = yield* progress("local cluster (PostgreSQL streaming replication + FerretDB)")
    const cluster = yield* LocalCluster.make({ slaves: 2, progress: line.update })
    yield* line.done(`1 master + ${cluster.slaveUris.length} slaves on 127.0.0.1`)
    return Layer.succeed(Cluster.Cluster, cluster)
  })
)

/**
 * The connection, provided the way an application provides it: the master
 * and slaves layers under the connection layer.
 *
 * @since 0.1.0
 */
export const ConnectionLive = Layer.unwrapEffect(
  Effect.map(Cluster.Cluster, (cluster) =>
    MasterSlaveConnection.layer({ tzAware: true }).pipe(
      Layer.provide(Master.layer(cluster.masterUri)),
      Layer.provide(Slaves.layer({ uris: cluster.slaveUris, attemptTimeout: "1 second" }))
    )
  )
)

const userCount = 100

/**
 * Why some steps do not run on a deployment of your own.
 *
 * @since 0.2.0
 */
export const externalNote = [
  "This is a deployment of your own (MSC_MASTER_URI/MSC_SLAVE_URIS): the demo works in the",
  "msc_demo database (dropped first), and skips the steps that stop slaves or pause their",
  "replication (2, 3 and 4): that needs processes only the local cluster controls. Unset",
  "MSC_MASTER_URI to see them on a local cluster."
]

const skipped = (n: number, title: string, needs: string) =>
  say("", bold(cyan(`${n}. ${title}`)), dim(`  skipped: it ${needs}, which needs the local cluster`))

/**
 * The whole tour.
 *
 * @since 0.1.0
 */
export const program = Effect.gen(function* () {
  const started = performance.now()
  const cluster = yield* Cluster.Cluster
  const connection = yield* MasterSlaveConnection.MasterSlaveConnection
  const local = cluster.kind === "local"
  yield* say(`${green("✓")} connected: ${String(connection)}`)
  if (!local) yield* say(...externalNote.map(dim))
  yield* connection.dropDatabase("msc_demo")
  const database = yield* connection.database("msc_demo")
  const users = yield* database.collection("users")
  yield* users.insertMany(Array.from({ length: userCount }, (_, i) => ({ _id: i, name: `user ${i}`, visits: 0 })))
  yield* database.createCollection("events")
  yield* database.createCollection("accounts")
  yield* cluster.waitForReplication()
  yield* say(dim(`  ${userCount} users written to the master and replicated to the slaves`))

  const routed = yield* Steps.routing(users, userCount)
  const failover = local ? yield* Steps.failover(users, userCount) : undefined
  if (!local) yield* skipped(2, "Read failover", "stops a slave in the middle of a workload")
  const allDown = local ? yield* Steps.allDown(users) : undefined
  if (!local) yield* skipped(3, "Every slave down", "stops every slave")
  const lag = local ? yield* Steps.lag(users) : undefined
  if (!local) yield* skipped(4, "Replication lag and read-your-writes", "pauses the slaves' replication")
  const writeConcern = yield* Steps.writeConcern(database)
  const typed = yield* Steps.typedDocuments(database)

  yield* say(
    "",
    bold("Summary"),
    `  • writes went to the master; ${routed.reads} reads were spread over the slaves`,
    ...(failover === undefined
      ? []
      : [`  • a slave stopped mid-workload: ${failover.failedReads} of 600 reads failed`]),
    ...(allDown === undefined ? [] : [`  • every slave down: ${allDown.tag} after ${allDown.took}`]),
    ...(lag === undefined
      ? []
      : [`  • replication paused: the slaves said "${lag.stale}", a request read "${lag.fresh}" from the master`]),
    `  • write concern set, read and unset in a Ref; a duplicate key was a ${writeConcern.rejected}`,
    `  • typed documents with DateTime.Utc dates; a bad document was a ${typed.error}`,
    ...(local ? [] : ["  • steps 2, 3 and 4 skipped: they need the local cluster"]),
    dim(`  done in ${seconds(started)}${local ? "; the cluster is being torn down" : ""}`)
  )
  if (failover !== undefined && failover.failedReads > 0)
    return yield* Effect.fail(new Error(`${failover.failedReads} reads failed during failover`))
})

/**
 * The demo with its layers provided, ready for `runMain`.
 *
 * @since 0.1.0
 */
export const main = program.pipe(Effect.provide(ConnectionLive.pipe(Layer.provideMerge(ClusterLive))))
