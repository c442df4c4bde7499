import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { ClusterError } from "../Cluster.js"
import { host, waitUntilListening } from "./net.js"
import { ferretdbDatabase } from "./postgres.js"
import { type Daemon, daemon, describeLog } from "./process.js"

/**
 * Runs FerretDB in front of one PostgreSQL node until the scope closes; ready
 * when it accepts connections.
 */
export const serve = (options: {
  readonly name: string
  readonly binary: string
  readonly postgresPort: number
  readonly port: number
  readonly stateDir: string
  readonly logFile: string
  readonly timeout: Duration.DurationInput
}): Effect.Effect<Daemon, ClusterError, Scope.Scope> =>
  Effect.gen(function* () {
    const server = yield* daemon({
      name: options.name,
      command: options.binary,
      args: [
        "--handler=postgresql",
        `--postgresql-url=postgres://postgres@${host}:${options.postgresPort}/${ferretdbDatabase}`,
        `--listen-addr=${host}:${options.port}`,
        "--telemetry=disable",
        "--debug-addr=-",
        `--state-dir=${options.stateDir}`,
        "--log-level=warn"
      ],
      logFile: options.logFile,
      // FerretDB keeps nothing worth a graceful stop, and on SIGTERM it waits
      // for every client connection to close (seconds, with pooled clients)
      stopSignal: "SIGKILL"
    })
    yield* waitUntilListening(options.name, options.port, options.timeout, () => describeLog(options.logFile))
    return server
  })

/** The URI that reaches one FerretDB directly. */
export const uri = (port: number): string => `mongodb://${host}:${port}/?directConnection=true`
