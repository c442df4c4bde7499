import { NodeRuntime } from "@effect/platform-node"
import { MasterSlaveConnection } from "@mongo-master-slave/core"
import { Effect } from "effect"

// MSC_MASTER_URI, MSC_SLAVE_URIS (separated by commas or spaces), and optionally MSC_ATTEMPT_TIMEOUT,
// MSC_CONNECT_TIMEOUT, MSC_READ_STRATEGY, MSC_TZ_AWARE, MSC_FALLBACK_TO_MASTER and MSC_MAX_STALENESS.
const MongoLive = MasterSlaveConnection.layerConfig()

const program = Effect.gen(function* () {
  const connection = yield* MasterSlaveConnection.MasterSlaveConnection
  const names = yield* connection.databaseNames
  yield* Effect.log(`${connection} holds ${names.length} database(s)`)
})

// The entry point: the layer is built here and closed when the program ends or is interrupted.
NodeRuntime.runMain(Effect.provide(program, MongoLive))
