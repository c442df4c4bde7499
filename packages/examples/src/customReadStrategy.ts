import { Master, MasterSlaveConnection, ReadStrategy, Slaves } from "@mongo-master-slave/core"
import { Effect, Layer } from "effect"

// Prefer the slaves in our own zone (their host names say which), in random
// order; the others are fallbacks. Slaves known to be down are skipped whatever the order.
export const sameZoneFirst = (zone: string): ReadStrategy.ReadStrategy =>
  ReadStrategy.make(`same-zone-first(${zone})`, (slaves) =>
    Effect.map(ReadStrategy.random.order(slaves), (order) => {
      const local = order.filter((id) => slaves[id]!.address.includes(zone))
      return [...local, ...order.filter((id) => !local.includes(id))]
    })
  )

export const MongoLive = (masterUri: string, slaveUris: ReadonlyArray<string>, zone: string) =>
  MasterSlaveConnection.layer({ readStrategy: sameZoneFirst(zone) }).pipe(
    Layer.provide(Master.layer(masterUri)),
    Layer.provide(Slaves.layer({ uris: slaveUris, attemptTimeout: "500 millis" }))
  )
