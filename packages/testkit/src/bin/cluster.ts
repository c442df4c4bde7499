#!/usr/bin/env node
/**
 * `cluster up [--slaves N] [--env-file FILE]`: runs a local master/slave
 * cluster in the foreground until SIGINT/SIGTERM.
 * `cluster install`: installs its parts (PostgreSQL 15, FerretDB 1.24.2).
 *
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as ExternalCluster from "../ExternalCluster.js"
import * as LocalCluster from "../LocalCluster.js"
import { runMain } from "../Main.js"
import * as Parts from "../Parts.js"

class UsageError extends Data.TaggedError("UsageError")<{ readonly reason: string }> {
  override get message(): string {
    return `${this.reason}\n\n${usage}`
  }
}

const usage = `usage:
  cluster up [--slaves N] [--env-file FILE]   start a local cluster (1 master, N slaves; default 2) and keep it
                                              running until Ctrl-C; with --env-file, write MSC_MASTER_URI and
                                              MSC_SLAVE_URIS to FILE (removed again at the end)
  cluster install                             install the cluster's parts (PostgreSQL 15, FerretDB 1.24.2)`

const say = (line: string) => Effect.sync(() => process.stderr.write(`[cluster] ${line}\n`))

const parseUp = (args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    let slaves = 2
    let envFile: string | undefined
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!
      const [flag, inline] = arg.includes("=") ? arg.split("=", 2) : [arg, undefined]
      const value = inline ?? args[++i]
      if (value === undefined) return yield* new UsageError({ reason: `${flag} needs a value` })
      if (flag === "--slaves") {
        slaves = Number(value)
        if (!Number.isInteger(slaves) || slaves < 1 || slaves > 8) {
          return yield* new UsageError({ reason: `--slaves must be a whole number from 1 to 8, got "${value}"` })
        }
      } else if (flag === "--env-file") {
        envFile = value
      } else {
        return yield* new UsageError({ reason: `unknown option "${arg}"` })
      }
    }
    return { slaves, envFile }
  })

const up = (args: ReadonlyArray<string>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const { slaves, envFile } = yield* parseUp(args)
      const parts = yield* Parts.ensure(say)
      const started = Date.now()
      const cluster = yield* LocalCluster.make({ slaves, parts, progress: say })
      const env = `MSC_MASTER_URI=${cluster.masterUri}\nMSC_SLAVE_URIS=${cluster.slaveUris.join(",")}\n`
      if (envFile !== undefined) {
        yield* Effect.acquireRelease(
          Effect.sync(() => Fs.writeFileSync(envFile, env)),
          () => Effect.sync(() => Fs.rmSync(envFile, { force: true }))
        )
      }
      process.stdout.write(env)
      yield* say(
        `up in ${Date.now() - started} ms${envFile === undefined ? "" : `, written to ${envFile}`}; Ctrl-C stops it`
      )
      yield* Effect.addFinalizer(() => say("stopping the cluster"))
      return yield* Effect.never
    })
  )

const main = Effect.gen(function* () {
  // callers put "--" before the arguments: Node 20 reads a `--env-file` anywhere
  // on its command line as its own option unless a "--" comes first
  const [command, ...args] = process.argv.slice(2).filter((arg) => arg !== "--")
  switch (command) {
    case "up":
      return yield* up(args)
    case "install":
      if (yield* ExternalCluster.isConfigured) {
        return yield* say("MSC_MASTER_URI is set: the external cluster is used, nothing to install")
      }
      return yield* Parts.ensure(say).pipe(Effect.asVoid)
    case undefined:
    case "help":
    case "--help":
      return yield* Effect.sync(() => process.stdout.write(`${usage}\n`))
    default:
      return yield* new UsageError({ reason: `unknown command "${command}"` })
  }
})

runMain(main)
