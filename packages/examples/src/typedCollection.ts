import { Master, MasterSlaveConnection, Slaves } from "@mongo-master-slave/core"
import { DateTime, Effect, Layer, Option, Schema } from "effect"

// `tzAware: true` is set on the connection's layer: BSON dates then decode as
// DateTime.Utc, as `placedAt` below expects. Without it they decode as Date, and
// reading an order fails with a DecodeError naming placedAt.
export const MongoLive = (masterUri: string, slaveUris: ReadonlyArray<string>) =>
  MasterSlaveConnection.layer({ tzAware: true }).pipe(
    Layer.provide(Master.layer(masterUri)),
    Layer.provide(Slaves.layer(slaveUris))
  )

// Documents decode through a Schema.
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
