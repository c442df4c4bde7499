import { MasterSlaveConnection } from "@mongo-master-slave/core"
import { DateTime, Effect, Option, Schema } from "effect"

// Documents decode through a Schema; with `tzAware: true` BSON dates are DateTime.Utc.
const Order = Schema.Struct({
  _id: Schema.Number,
  item: Schema.String,
  quantity: Schema.Int.pipe(Schema.positive()),
  placedAt: Schema.DateTimeUtcFromSelf
})

export const program = Effect.gen(function* () {
  const shop = yield* MasterSlaveConnection.database("shop")
  const orders = yield* shop.collection("orders", Order)
  yield* orders.insertOne({ _id: 7, item: "tea", quantity: 2, placedAt: DateTime.unsafeNow() })
  const order = yield* MasterSlaveConnection.inRequest(orders.findOne({ _id: 7 }))
  // Option<{ _id: number; item: string; quantity: number; placedAt: DateTime.Utc }>
  return Option.map(order, (o) => `${o.quantity} × ${o.item} at ${DateTime.formatIso(o.placedAt)}`)
})
