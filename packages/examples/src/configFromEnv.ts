import { MasterSlaveConnection } from "@mongo-master-slave/core"
import { Effect } from "effect"

// MSC_MASTER_URI, MSC_SLAVE_URIS (comma-separated), and optionally MSC_ATTEMPT_TIMEOUT,
// MSC_CONNECT_TIMEOUT, MSC_READ_STRATEGY, MSC_TZ_AWARE and MSC_FALLBACK_TO_MASTER.
export const MongoLive = MasterSlaveConnection.layerConfig()

export const program = Effect.gen(function* () {
  const connection = yield* MasterSlaveConnection.MasterSlaveConnection
  const names = yield* connection.databaseNames
  return `${connection} holds ${names.length} database(s)`
})

export const main = Effect.provide(program, MongoLive)
