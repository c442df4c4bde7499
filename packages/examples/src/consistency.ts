import { Master, MasterSlaveConnection, Slaves } from "@mongo-master-slave/core"
import { Effect, Layer } from "effect"

// Every read reflects every write acknowledged more than 500 ms before it (a
// slave further behind is passed over; with none fresh enough, the master
// answers), and a read a slow slave holds up is hedged on the next one.
export const MongoLive = (masterUri: string, slaveUris: ReadonlyArray<string>) =>
  MasterSlaveConnection.layer({ maxStaleness: "500 millis", fallbackToMaster: true, hedge: true }).pipe(
    Layer.provide(Master.layer(masterUri)),
    Layer.provide(Slaves.layer(slaveUris))
  )

// A causal scope reads its own writes from a slave that has applied them.
export const program = Effect.gen(function* () {
  const shop = yield* MasterSlaveConnection.database("shop")
  const carts = yield* shop.collection("carts")
  return yield* MasterSlaveConnection.causal(
    Effect.gen(function* () {
      yield* carts.updateOne({ _id: "bob" }, { $push: { items: "milk" } }, { upsert: true })
      return yield* carts.findOne({ _id: "bob" }) // sees the update: a slave that has it, else the master
    })
  )
})
