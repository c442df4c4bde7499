/**
 * The program a user of the published packages writes, checked by
 * scripts/check-package.sh from the packed tarballs: a local master/slave
 * cluster from @mongo-master-slave/testkit, a connection from
 * @mongo-master-slave/core over it, one write on the master and one read of it
 * from a slave. The same text is type-checked as ESM (nodenext), CommonJS
 * (node16 and node10) and for a bundler, and run as ESM and as CommonJS.
 * It prints one line starting with "package-check:" and fails unless the read
 * came from a slave and returned what was written.
 */
import { Master, MasterSlaveConnection, Slaves } from "@mongo-master-slave/core"
import { Cluster, LocalCluster, Main } from "@mongo-master-slave/testkit"
import { Chunk, Effect, Layer, Stream } from "effect"

// `require` is a function in a CommonJS module only
const format = typeof require === "function" ? "CommonJS" : "ESM"

const say = (line: string) => Effect.sync(() => process.stderr.write(`[${format}] ${line}\n`))

const ClusterLive = LocalCluster.layer({ slaves: 2, progress: say })

const ConnectionLive = Layer.unwrapEffect(
  Effect.map(Cluster.Cluster, (cluster) =>
    MasterSlaveConnection.layer().pipe(
      Layer.provide(Master.layer(cluster.masterUri)),
      Layer.provide(Slaves.layer({ uris: cluster.slaveUris, attemptTimeout: "1 second" }))
    )
  )
)

const program = Effect.gen(function* () {
  const cluster = yield* Cluster.Cluster
  const database = yield* MasterSlaveConnection.database("package_check")
  const orders = yield* database.collection("orders")
  const written = { _id: 1, item: "tea", format }
  yield* orders.insertOne(written)
  yield* cluster.waitForReplication()
  const { connectionId, documents } = yield* Effect.scoped(
    Effect.gen(function* () {
      const cursor = yield* orders.findCursor({ _id: 1 })
      return { connectionId: cursor.connectionId, documents: Chunk.toArray(yield* Stream.runCollect(cursor.stream)) }
    })
  )
  const read = JSON.stringify(documents)
  if (connectionId < 0) return yield* Effect.fail(new Error(`the read went to the master, not a slave: ${read}`))
  if (read !== JSON.stringify([written])) {
    return yield* Effect.fail(new Error(`slave ${connectionId} returned ${read}, not ${JSON.stringify([written])}`))
  }
  yield* Effect.sync(() =>
    console.log(`package-check: ${format}: wrote on the master, read from slave ${connectionId}: ${read}`)
  )
})

Main.runMain(program.pipe(Effect.provide(ConnectionLive.pipe(Layer.provideMerge(ClusterLive)))))
