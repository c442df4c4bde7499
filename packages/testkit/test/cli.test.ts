import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import { call, client } from "./driver.js"
import { processesMentioning } from "./processes.js"

const repo = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../..")

interface Running {
  readonly child: ChildProcess
  readonly tempDir: string
  readonly exitCode: Promise<number | null>
  readonly output: () => string
}

/** The CLI in a child process, run by node itself so signals reach it directly. */
const cli = (...args: ReadonlyArray<string>) =>
  spawn(
    process.execPath,
    [
      "--conditions=@mongo-master-slave/source",
      "--import",
      "tsx",
      "packages/testkit/src/bin/cluster.ts",
      "--",
      ...args
    ],
    { cwd: repo, stdio: ["ignore", "pipe", "pipe"] }
  )

/** `cluster up` in a child process, until it says it is up. */
const clusterUp = (envFile: string) =>
  Effect.acquireRelease(
    Effect.async<Running, Error>((resume) => {
      const child = cli("up", "--slaves", "1", "--env-file", envFile)
      let output = ""
      const exitCode = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
      const onData = (chunk: Buffer) => {
        output += chunk.toString()
        const tempDir = /\(files in ([^)]+)\)/.exec(output)?.[1]
        // the URIs (stdout) and the progress (stderr) arrive independently: wait for both
        if (tempDir !== undefined && /Ctrl-C stops it/.test(output) && /MSC_SLAVE_URIS=.*\n/.test(output)) {
          resume(Effect.succeed({ child, tempDir, exitCode, output: () => output }))
        }
      }
      child.stdout.on("data", onData)
      child.stderr.on("data", onData)
      void exitCode.then((code) => resume(Effect.fail(new Error(`cluster up exited with ${code}:\n${output}`))))
    }),
    ({ child }) => Effect.sync(() => child.kill("SIGKILL"))
  )

const envFileInTempDir = Effect.acquireRelease(
  Effect.sync(() => Fs.mkdtempSync(Path.join(Os.tmpdir(), "msc-cli-"))),
  (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
).pipe(Effect.map((dir) => Path.join(dir, "cluster.env")))

const isGone = (tempDir: string) =>
  Effect.sync(() => !Fs.existsSync(tempDir) && processesMentioning(tempDir).length === 0)

const gone = (tempDir: string) =>
  isGone(tempDir).pipe(
    Effect.repeat({ until: (done) => done, schedule: Schedule.spaced("100 millis").pipe(Schedule.upTo("15 seconds")) }),
    Effect.zipRight(isGone(tempDir))
  )

describe("pnpm cluster up", () => {
  it.scopedLive("prints and writes the URIs, serves them, and on SIGINT tears everything down and exits 0", () =>
    Effect.gen(function* () {
      const envFile = yield* envFileInTempDir
      const running = yield* clusterUp(envFile)
      const env = Object.fromEntries(
        Fs.readFileSync(envFile, "utf8")
          .trim()
          .split("\n")
          .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)])
      )
      expect(running.output()).toContain(`MSC_MASTER_URI=${env.MSC_MASTER_URI}`)
      expect(env.MSC_SLAVE_URIS!.split(",")).toHaveLength(1)
      const master = yield* client(env.MSC_MASTER_URI!)
      expect(yield* call(() => master.db("admin").command({ ping: 1 }))).toMatchObject({ ok: 1 })

      running.child.kill("SIGINT")
      expect(yield* Effect.promise(() => running.exitCode)).toBe(0)
      expect(Fs.existsSync(envFile)).toBe(false)
      expect(Fs.existsSync(running.tempDir)).toBe(false)
      expect(processesMentioning(running.tempDir)).toEqual([])
    })
  )

  it.scopedLive("killed outright (SIGKILL), its watchdog still stops every process and removes the temp dir", () =>
    Effect.gen(function* () {
      const envFile = yield* envFileInTempDir
      const running = yield* clusterUp(envFile)
      expect(processesMentioning(running.tempDir).length).toBeGreaterThan(0)
      running.child.kill("SIGKILL")
      yield* Effect.promise(() => running.exitCode)
      expect(yield* gone(running.tempDir)).toBe(true)
    })
  )

  it.live("rejects a bad option with the usage and exit code 1", () =>
    Effect.gen(function* () {
      const result = yield* Effect.async<{ code: number | null; output: string }>((resume) => {
        const child = cli("up", "--slaves", "nine")
        let output = ""
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
        child.once("exit", (code) => resume(Effect.succeed({ code, output })))
      })
      expect(result.code).toBe(1)
      expect(result.output).toMatch(/--slaves must be a whole number from 1 to 8, got "nine"/)
      expect(result.output).toMatch(/usage:/)
    })
  )
})
