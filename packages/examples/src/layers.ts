import { Master, MasterSlaveConnection, ReadStrategy, Slaves } from "@mongo-master-slave/core"
import { Layer } from "effect"

// The layers, provided once at the application's entry point. The clients open
// when the layer is built and close when its scope closes.
export const MongoLive = (masterUri: string, slaveUris: ReadonlyArray<string>) =>
  MasterSlaveConnection.layer({
    readStrategy: ReadStrategy.roundRobin(),
    tzAware: true,
    fallbackToMaster: false
  }).pipe(
    Layer.provide(Master.layer({ uri: masterUri, connectTimeout: "5 seconds" })),
    Layer.provide(Slaves.layer({ uris: slaveUris, attemptTimeout: "1 second", healthCheckInterval: "1 second" }))
  )
