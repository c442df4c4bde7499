import { NodeRuntime } from "@effect/platform-node"
import { Master, MasterSlaveConnection, Slaves } from "@mongo-master-slave/core"
import { Effect, Layer } from "effect"

// Writes go to the master; reads are spread over the slaves, failing over from one to the next.
const MongoLive = MasterSlaveConnection.layer().pipe(
  Layer.provide(Master.layer("mongodb://db0.example:27017")),
  Layer.provide(Slaves.layer(["mongodb://db1.example:27017", "mongodb://db2.example:27017"]))
)

const program = Effect.gen(function* () {
  const shop = yield* MasterSlaveConnection.database("shop")
  const orders = yield* shop.collection("orders")
  yield* orders.insertOne({ _id: 1, item: "tea", quantity: 2 }) // on the master
  const fromSlave = yield* orders.findOne({ _id: 1 }) // from a slave: may lag behind
  const fromMaster = yield* MasterSlaveConnection.inRequest(orders.findOne({ _id: 1 })) // read-your-writes
  yield* Effect.log(fromSlave, fromMaster)
})

NodeRuntime.runMain(Effect.provide(program, MongoLive)) // Ctrl-C interrupts it: every client is closed
