import { MasterSlaveConnection } from "@mongo-master-slave/core"
import { Effect } from "effect"

// A request pins this fiber's reads to the master until its scope closes,
// so a program reads its own writes; other fibers keep reading from slaves.
export const program = Effect.gen(function* () {
  const shop = yield* MasterSlaveConnection.database("shop")
  const carts = yield* shop.collection("carts")
  return yield* Effect.scoped(
    Effect.gen(function* () {
      yield* MasterSlaveConnection.startRequest
      yield* carts.updateOne({ _id: "ada" }, { $push: { items: "tea" } }, { upsert: true })
      return yield* carts.findOne({ _id: "ada" }) // sees the update, from the master
    })
  )
})
