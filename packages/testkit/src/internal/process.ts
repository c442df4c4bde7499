import { type ChildProcess, execFile, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import { ClusterError } from "../Cluster.js"

/** Who a process runs as: PostgreSQL refuses to run as root. */
export interface RunAs {
  readonly uid: number
  readonly gid: number
}

export interface Daemon {
  readonly pid: number
  readonly logFile: string
  /** Completes with the exit code (or the signal's name) when the process ends. */
  readonly exited: Effect.Effect<number | string>
  readonly hasExited: Effect.Effect<boolean>
}

export interface DaemonOptions {
  readonly name: string
  readonly command: string
  readonly args: ReadonlyArray<string>
  readonly logFile: string
  readonly runAs?: RunAs | undefined
  readonly env?: Record<string, string> | undefined
  /** The signal that asks it to stop; SIGKILL follows after `stopTimeout`. */
  readonly stopSignal?: NodeJS.Signals | undefined
  readonly stopTimeout?: Duration.DurationInput | undefined
}

const logTail = (file: string, lines = 15): string => {
  try {
    return Fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n")
  } catch {
    return "(no log)"
  }
}

/**
 * The last lines a daemon logged, to put in an error a person reads.
 */
export const describeLog = (file: string): string => `last lines of ${file}:\n${logTail(file)}`

const signalGroup = (child: ChildProcess, signal: NodeJS.Signals): void => {
  if (child.pid === undefined) return
  try {
    // the daemon leads its own process group: signal it and anything it forked
    process.kill(-child.pid, signal)
  } catch {
    try {
      child.kill(signal)
    } catch {
      // already gone
    }
  }
}

/**
 * Starts a long-running process owned by the current scope. It runs in its own
 * process group (a Ctrl-C in the terminal reaches us, not it, and we stop it in
 * order); closing the scope asks it to stop, waits, kills it if it lingers and
 * reaps it.
 */
export const daemon = (options: DaemonOptions): Effect.Effect<Daemon, ClusterError, Scope.Scope> =>
  Effect.gen(function* () {
    const exit = yield* Deferred.make<number | string>()
    const acquire = Effect.async<{ child: ChildProcess; fd: number }, ClusterError>((resume) => {
      const fd = Fs.openSync(options.logFile, "a")
      const child = spawn(options.command, options.args, {
        detached: true,
        stdio: ["ignore", fd, fd],
        env: { ...process.env, ...options.env },
        ...(options.runAs ?? {})
      })
      const onError = (cause: Error) => {
        Fs.closeSync(fd)
        resume(
          Effect.fail(
            new ClusterError({
              operation: `start ${options.name}`,
              reason: `cannot run ${options.command}: ${cause.message}`,
              cause
            })
          )
        )
      }
      child.once("error", onError)
      child.once("spawn", () => {
        child.off("error", onError)
        child.once("exit", (code, signal) => Deferred.unsafeDone(exit, Effect.succeed(code ?? signal ?? "unknown")))
        resume(Effect.succeed({ child, fd }))
      })
    })
    const stopTimeout = Duration.decode(options.stopTimeout ?? "5 seconds")
    const { child } = yield* Effect.acquireRelease(acquire, ({ child, fd }) =>
      Effect.gen(function* () {
        if (!(yield* Deferred.isDone(exit))) {
          signalGroup(child, options.stopSignal ?? "SIGTERM")
          const stopped = yield* Deferred.await(exit).pipe(Effect.timeout(stopTimeout), Effect.option)
          if (Option.isNone(stopped)) {
            signalGroup(child, "SIGKILL")
            yield* Deferred.await(exit)
          }
        }
        Fs.closeSync(fd)
      })
    )
    return {
      pid: child.pid!,
      logFile: options.logFile,
      exited: Deferred.await(exit),
      hasExited: Deferred.isDone(exit)
    }
  })

/**
 * Runs a command to completion, failing with its output when it exits non-zero.
 */
export const run = (
  name: string,
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly runAs?: RunAs | undefined; readonly env?: Record<string, string>; readonly cwd?: string } = {}
): Effect.Effect<string, ClusterError> =>
  Effect.async<string, ClusterError>((resume, signal) => {
    execFile(
      command,
      [...args],
      {
        signal,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, ...options.env },
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        ...(options.runAs ?? {})
      },
      (error, stdout, stderr) => {
        if (error === null) return resume(Effect.succeed(stdout))
        const output = `${stderr}${stdout}`.trim().split("\n").slice(-20).join("\n")
        resume(
          Effect.fail(
            new ClusterError({ operation: name, reason: `${command} failed: ${output || error.message}`, cause: error })
          )
        )
      }
    )
  })
