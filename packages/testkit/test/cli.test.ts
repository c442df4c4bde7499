import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it, layer } from "@effect/vitest"
import { Context, Effect, Layer, Schedule } from "effect"
import type { MongoClient } from "mongodb"
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

/** A command of the CLI run to its end: its exit code and what it printed. */
const runCli = (...args: ReadonlyArray<string>) =>
  Effect.async<{ readonly code: number | null; readonly stdout: string; readonly stderr: string }>((resume) => {
    const child = cli(...args)
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.once("exit", (code) => resume(Effect.succeed({ code, stdout, stderr })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

const readEnv = (envFile: string): Record<string, string> =>
  Object.fromEntries(
    Fs.readFileSync(envFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)])
  )

/** `cluster up` in a child process, until it says it is up. */
const clusterUp = (envFile: string, slaves = 1) =>
  Effect.acquireRelease(
    Effect.async<Running, Error>((resume) => {
      const child = cli("up", "--slaves", String(slaves), "--env-file", envFile)
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
      return Effect.sync(() => child.kill("SIGKILL"))
    }),
    // stopped as Ctrl-C stops it, so it tears its cluster down before the test goes on
    ({ child, exitCode }) =>
      Effect.gen(function* () {
        if (child.exitCode !== null || child.signalCode !== null) return
        child.kill("SIGINT")
        const stopped = yield* Effect.promise(() => exitCode).pipe(Effect.timeout("30 seconds"), Effect.option)
        if (stopped._tag === "None") child.kill("SIGKILL")
      })
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

describe("cluster up", () => {
  it.scopedLive("prints and writes the URIs, serves them, and on SIGINT tears everything down and exits 0", () =>
    Effect.gen(function* () {
      const envFile = yield* envFileInTempDir
      const running = yield* clusterUp(envFile)
      const env = readEnv(envFile)
      expect(running.output()).toContain(`MSC_MASTER_URI=${env.MSC_MASTER_URI}`)
      expect(env.MSC_SLAVE_URIS!.split(",")).toHaveLength(1)
      // the control endpoint, with its token: for this user's eyes only
      expect(env.MSC_CLUSTER_CONTROL).toMatch(/^http:\/\/[0-9a-f]{32}@127\.0\.0\.1:\d+\/$/)
      expect(Fs.statSync(envFile).mode & 0o777).toBe(0o600)
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
      const result = yield* runCli("up", "--slaves", "nine")
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/--slaves must be a whole number from 1 to 8, got "nine"/)
      expect(result.stderr).toMatch(/usage:/)
    })
  )
})

/** A `cluster up` with two slaves, shared by the tests below, and the env file it wrote. */
class Up extends Context.Tag("test/Up")<Up, { readonly envFile: string; readonly env: Record<string, string> }>() {}

const UpLive = Layer.scoped(
  Up,
  Effect.gen(function* () {
    const envFile = yield* envFileInTempDir
    yield* clusterUp(envFile, 2)
    return { envFile, env: readEnv(envFile) }
  })
)

/** Milliseconds until `find` returns something, polling every 20 ms (a slave's FerretDB may be restarting). */
const servedWithin = <A>(millis: number, find: () => Promise<A | null>) =>
  Effect.promise(async () => {
    const started = performance.now()
    while (performance.now() - started < millis) {
      const found = await find().catch(() => null)
      if (found !== null) return performance.now() - started
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    throw new Error(`not served within ${millis} ms`)
  })

layer(UpLive, { excludeTestServices: true, timeout: 120_000 })("a running cluster up", (it) => {
  it.scoped("a collection and an index created on the master are served by every slave within seconds, unasked", () =>
    Effect.gen(function* () {
      const { env } = yield* Up
      const master = yield* client(env.MSC_MASTER_URI!)
      const slaves = yield* Effect.forEach(env.MSC_SLAVE_URIS!.split(","), (uri) =>
        client(uri, { serverSelectionTimeoutMS: 1_000 })
      )
      const orders = (c: MongoClient) => c.db("shop").collection<{ _id: number; item: string }>("orders")
      yield* call(() => orders(master).insertOne({ _id: 1, item: "tea" }))
      yield* call(() => orders(master).createIndex({ item: 1 }, { name: "by_item" }))
      // no waitForReplication: the cluster follows the master's catalog on its own
      for (const slave of slaves) {
        const millis = yield* servedWithin(5_000, () => orders(slave).findOne({ _id: 1 }))
        expect(millis).toBeLessThan(5_000)
        yield* servedWithin(5_000, async () =>
          (await orders(slave).indexes()).some((index) => index.name === "by_item") ? true : null
        )
      }
    })
  )

  it.scoped("from another shell: delay, pause, resume, stop, start, wait and status, through the env file", () =>
    Effect.gen(function* () {
      const { envFile, env } = yield* Up
      const ok = (...args: ReadonlyArray<string>) =>
        Effect.map(runCli(...args, "--env-file", envFile), (result) => {
          expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0)
          return result.stdout
        })
      const master = yield* client(env.MSC_MASTER_URI!)
      const [slave0, slave1] = yield* Effect.forEach(env.MSC_SLAVE_URIS!.split(","), (uri) => client(uri))
      const notes = (c: MongoClient) => c.db("shell").collection<{ _id: number }>("notes")
      yield* call(() => notes(master).insertOne({ _id: 0 }))
      for (const slave of [slave0!, slave1!]) yield* servedWithin(5_000, () => notes(slave).findOne({ _id: 0 }))

      expect(yield* ok("delay", "1", "2s")).toBe("slave 1: replication delay 2s\n")
      expect(yield* ok("status")).toMatch(/^slave 1 {2}running {2}replicating {2}delay 2s /m)
      yield* call(() => notes(master).insertOne({ _id: 1 }))
      yield* servedWithin(1_000, () => notes(slave0!).findOne({ _id: 1 }))
      expect(yield* call(() => notes(slave1!).findOne({ _id: 1 }))).toBeNull()
      expect(yield* ok("delay", "1", "off")).toBe("slave 1: replication delay off\n")
      yield* servedWithin(1_000, () => notes(slave1!).findOne({ _id: 1 }))

      expect(yield* ok("pause", "0")).toBe("slave 0: replication paused\n")
      expect(yield* ok("status")).toMatch(/^slave 0 {2}running {2}replication paused {2}delay off /m)
      expect(yield* ok("resume", "0")).toBe("slave 0: replication resumed\n")
      expect(yield* ok("stop", "1")).toBe("slave 1: stopped\n")
      expect(yield* ok("status")).toMatch(/^slave 1 {2}stopped /m)
      expect(yield* ok("start", "1")).toBe("slave 1: started\n")
      expect(yield* ok("wait", "--timeout", "20s")).toBe("the slaves serve everything the master wrote\n")

      const noSlave = yield* runCli("delay", "5", "1s", "--env-file", envFile)
      expect(noSlave.code).toBe(1)
      expect(noSlave.stderr).toMatch(/there is no slave 5: the cluster has slaves 0 to 1/)
    })
  )
})

describe("cluster controls without a cluster", () => {
  it.live("say where the control endpoint comes from, and exit 1", () =>
    Effect.gen(function* () {
      const missing = yield* runCli("status", "--env-file", "/nonexistent/cluster.env")
      expect(missing.code).toBe(1)
      expect(missing.stderr).toMatch(
        /\/nonexistent\/cluster\.env does not exist; it is written by `cluster up --env-file/
      )
    })
  )
})
