#!/usr/bin/env node
/**
 * `cluster up [--slaves N] [--env-file FILE]`: runs a local master/slave
 * cluster in the foreground until SIGINT/SIGTERM, keeping every slave's
 * FerretDB in step with the master's catalog, and serves its controls.
 * `cluster status|delay|pause|resume|stop|start|wait ... [--env-file FILE]`:
 * controls a cluster that `up` runs, from another shell.
 * `cluster install`: installs its parts (PostgreSQL 15, FerretDB 1.24.2).
 *
 * @since 0.1.0
 */
import * as Fs from "node:fs"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExternalCluster from "../ExternalCluster.js"
import { type Control, formatControl, parseControl, remote, remoteStatus, serve } from "../internal/control.js"
import { parseDuration } from "../internal/delay.js"
import * as LocalCluster from "../LocalCluster.js"
import { runMain } from "../Main.js"
import * as Parts from "../Parts.js"

class UsageError extends Data.TaggedError("UsageError")<{ readonly reason: string }> {
  override get message(): string {
    return `${this.reason}\n\n${usage}`
  }
}

class NoCluster extends Data.TaggedError("NoCluster")<{ readonly reason: string }> {
  override get message(): string {
    return `no running cluster to control: ${this.reason}`
  }
}

const usage = `usage:
  cluster up [--slaves N] [--env-file FILE]   start a local cluster (1 master, N slaves; default 2) and keep it
                                              running until Ctrl-C; with --env-file, write MSC_MASTER_URI,
                                              MSC_SLAVE_URIS and MSC_CLUSTER_CONTROL to FILE (removed at the end)
  cluster status [--env-file FILE]            each slave: running or stopped, paused, its replication delay
  cluster delay SLAVE DELAY [--env-file FILE] SLAVE applies each change DELAY after the master made it
                                              (250ms, 2s, 1.5s, 1m; 0 or off turns the delay off)
  cluster pause SLAVE [--env-file FILE]       SLAVE stops applying the master's changes (serves stale data)
  cluster resume SLAVE [--env-file FILE]      SLAVE applies them again
  cluster stop SLAVE [--env-file FILE]        SLAVE goes down (refuses connections)
  cluster start SLAVE [--env-file FILE]       SLAVE comes back and catches up
  cluster wait [--timeout DURATION] [--env-file FILE]
                                              wait until every running slave that is neither paused nor delayed
                                              serves everything the master wrote
  cluster install                             install the cluster's parts (PostgreSQL 15, FerretDB 1.24.2)

The controls reach the cluster that \`cluster up\` runs through MSC_CLUSTER_CONTROL, read from the --env-file
that \`up\` wrote, or else from the environment. Slaves are numbered from 0.
Through npm, npx or pnpm, put "--" before the arguments (npm run cluster -- up --env-file .cluster.env):
Node.js 20 takes a --env-file that comes before a "--" on its command line as its own option.`

const say = (line: string): Effect.Effect<void> =>
  Effect.sync(() => {
    process.stderr.write(`[cluster] ${line}\n`)
  })
const print = (line: string): Effect.Effect<void> =>
  Effect.sync(() => {
    process.stdout.write(`${line}\n`)
  })

interface Parsed {
  readonly positional: ReadonlyArray<string>
  readonly flags: ReadonlyMap<string, string>
}

const parse = (args: ReadonlyArray<string>, known: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const positional: Array<string> = []
    const flags = new Map<string, string>()
    for (let i = 0; i < args.length; i++) {
      const arg = args[i]!
      if (!arg.startsWith("--")) {
        positional.push(arg)
        continue
      }
      const [flag, inline] = arg.includes("=") ? arg.split("=", 2) : [arg, undefined]
      if (!known.includes(flag!)) return yield* new UsageError({ reason: `unknown option "${arg}"` })
      const value = inline ?? args[++i]
      if (value === undefined) return yield* new UsageError({ reason: `${flag} needs a value` })
      flags.set(flag!, value)
    }
    return { positional, flags } satisfies Parsed
  })

const readEnvFile = (file: string): Record<string, string> =>
  Object.fromEntries(
    Fs.readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")).trim(), line.slice(line.indexOf("=") + 1).trim()])
  )

const up = (args: ReadonlyArray<string>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const { positional, flags } = yield* parse(args, ["--slaves", "--env-file"])
      if (positional.length > 0) return yield* new UsageError({ reason: `unexpected "${positional[0]}"` })
      const slavesFlag = flags.get("--slaves") ?? "2"
      const slaves = Number(slavesFlag)
      if (!Number.isInteger(slaves) || slaves < 1 || slaves > 8) {
        return yield* new UsageError({ reason: `--slaves must be a whole number from 1 to 8, got "${slavesFlag}"` })
      }
      const envFile = flags.get("--env-file")
      const parts = yield* Parts.ensure(say)
      const started = Date.now()
      const cluster = yield* LocalCluster.make({ slaves, parts, progress: say, followCatalog: true })
      const info = yield* serve(cluster, say)
      const env = [
        `MSC_MASTER_URI=${cluster.masterUri}`,
        `MSC_SLAVE_URIS=${cluster.slaveUris.join(",")}`,
        `MSC_CLUSTER_CONTROL=${formatControl(info.control!)}`,
        ""
      ].join("\n")
      if (envFile !== undefined) {
        yield* Effect.acquireRelease(
          // the control token is in it: readable by this user only
          Effect.sync(() => Fs.writeFileSync(envFile, env, { mode: 0o600 })),
          () => Effect.sync(() => Fs.rmSync(envFile, { force: true }))
        )
      }
      process.stdout.write(env)
      yield* say(
        `up in ${Date.now() - started} ms${envFile === undefined ? "" : `, written to ${envFile}`}; ` +
          "the slaves follow the master's catalog; Ctrl-C stops it"
      )
      yield* Effect.addFinalizer(() => say("stopping the cluster"))
      return yield* Effect.never
    })
  )

/** The control endpoint of the cluster `up` runs: from `--env-file`, else from the environment. */
const controlOf = (flags: ReadonlyMap<string, string>) =>
  Effect.gen(function* () {
    const envFile = flags.get("--env-file")
    let env: Record<string, string | undefined> = process.env
    if (envFile !== undefined) {
      if (!Fs.existsSync(envFile)) {
        return yield* new NoCluster({
          reason: `${envFile} does not exist; it is written by \`cluster up --env-file ${envFile}\` while the cluster runs`
        })
      }
      env = readEnvFile(envFile)
    }
    const line = env.MSC_CLUSTER_CONTROL
    if (line === undefined || line.length === 0) {
      return yield* new NoCluster({
        reason:
          envFile === undefined
            ? "pass --env-file FILE, the file `cluster up --env-file FILE` wrote, or set MSC_CLUSTER_CONTROL"
            : `${envFile} holds no MSC_CLUSTER_CONTROL`
      })
    }
    const control: Control | undefined = parseControl(line)
    if (control === undefined) {
      return yield* new NoCluster({ reason: `MSC_CLUSTER_CONTROL is not a control endpoint: ${line}` })
    }
    return {
      control,
      cluster: remote({
        kind: "local",
        masterUri: env.MSC_MASTER_URI ?? "",
        slaveUris: (env.MSC_SLAVE_URIS ?? "").split(",").filter((uri) => uri.length > 0),
        control
      })
    }
  })

const slaveArgument = (command: string, positional: ReadonlyArray<string>, count: number) =>
  Effect.gen(function* () {
    if (positional.length !== count) {
      return yield* new UsageError({
        reason: `${command} takes ${count === 1 ? "a slave number" : "a slave number and a delay"}`
      })
    }
    const index = Number(positional[0])
    if (!/^\d+$/.test(positional[0]!)) {
      return yield* new UsageError({ reason: `${command}: the slave is a number (0, 1, ...), got "${positional[0]}"` })
    }
    return index
  })

const describeDelay = (millis: number) => (millis === 0 ? "off" : Duration.format(Duration.millis(millis)))

const control = (command: string, args: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const { positional, flags } = yield* parse(args, command === "wait" ? ["--env-file", "--timeout"] : ["--env-file"])
    switch (command) {
      case "status": {
        const { control } = yield* controlOf(flags)
        const slaves = yield* remoteStatus(control)
        for (const slave of slaves) {
          yield* print(
            [
              `slave ${slave.index}`,
              slave.running ? "running" : "stopped",
              slave.paused ? "replication paused" : "replicating",
              `delay ${describeDelay(slave.replicationDelayMillis)}`,
              slave.uri
            ].join("  ")
          )
        }
        return
      }
      case "delay": {
        const index = yield* slaveArgument(command, positional, 2)
        const millis = parseDuration(positional[1]!)
        if (millis === undefined) {
          return yield* new UsageError({
            reason: `delay: "${positional[1]}" is not a delay (250ms, 2s, 1.5s, 1m; 0 or off)`
          })
        }
        const { cluster } = yield* controlOf(flags)
        yield* cluster.setReplicationDelay(index, millis)
        return yield* print(`slave ${index}: replication delay ${describeDelay(millis)}`)
      }
      case "wait": {
        if (positional.length > 0) return yield* new UsageError({ reason: `wait: unexpected "${positional[0]}"` })
        const timeoutFlag = flags.get("--timeout")
        const timeout = timeoutFlag === undefined ? undefined : parseDuration(timeoutFlag)
        if (timeoutFlag !== undefined && timeout === undefined) {
          return yield* new UsageError({ reason: `--timeout: "${timeoutFlag}" is not a duration (500ms, 30s, 1m)` })
        }
        const { cluster } = yield* controlOf(flags)
        yield* cluster.waitForReplication(timeout === undefined ? {} : { timeout })
        return yield* print("the slaves serve everything the master wrote")
      }
      default: {
        const index = yield* slaveArgument(command, positional, 1)
        const { cluster } = yield* controlOf(flags)
        const controls: Record<string, readonly [(index: number) => Effect.Effect<void, unknown>, string]> = {
          pause: [cluster.pauseReplication, "replication paused"],
          resume: [cluster.resumeReplication, "replication resumed"],
          stop: [cluster.stopSlave, "stopped"],
          start: [cluster.startSlave, "started"]
        }
        const [act, done] = controls[command]!
        yield* act(index)
        return yield* print(`slave ${index}: ${done}`)
      }
    }
  })

const main = Effect.gen(function* () {
  // callers put "--" before the arguments: Node 20 reads a `--env-file` anywhere
  // on its command line as its own option unless a "--" comes first
  const [command, ...args] = process.argv.slice(2).filter((arg) => arg !== "--")
  switch (command) {
    case "up":
      return yield* up(args)
    case "status":
    case "delay":
    case "pause":
    case "resume":
    case "stop":
    case "start":
    case "wait":
      return yield* control(command, args)
    case "install":
      if (yield* ExternalCluster.isConfigured) {
        return yield* say("MSC_MASTER_URI is set: the external cluster is used, nothing to install")
      }
      {
        // ensure says the parts are ready when it had to install one: not twice
        let said = ""
        const saying = (message: string) => {
          said = message
          return say(message)
        }
        return yield* Parts.ensure(saying).pipe(
          Effect.flatMap((parts) => (said === Parts.describe(parts) ? Effect.void : say(Parts.describe(parts))))
        )
      }
    case undefined:
    case "help":
    case "--help":
      return yield* print(usage)
    default:
      return yield* new UsageError({ reason: `unknown command "${command}"` })
  }
})

runMain(main)
