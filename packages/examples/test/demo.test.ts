import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { LocalCluster } from "@mongo-master-slave/testkit"
import { Effect } from "effect"

const repo = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../..")

interface Run {
  readonly code: number | null
  readonly output: string
}

/** Runs the demo as `npm run demo` does (without the install step); optionally interrupts it. */
const runDemo = (interruptWhen?: RegExp, env: Record<string, string> = {}) =>
  Effect.async<Run>((resume) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@mongo-master-slave/source", "--import", "tsx", "packages/examples/src/index.ts", "--"],
      { cwd: repo, stdio: ["ignore", "pipe", "pipe"], env: { ...localClusterEnv(), ...env } }
    )
    let output = ""
    let interrupted = false
    const collect = (chunk: Buffer) => {
      output += chunk.toString()
      if (interruptWhen !== undefined && !interrupted && interruptWhen.test(output)) {
        interrupted = true
        child.kill("SIGINT")
      }
    }
    child.stdout.on("data", collect)
    child.stderr.on("data", collect)
    child.once("exit", (code) => resume(Effect.succeed({ code, output })))
  })

// the demo under test runs its own local cluster, whatever this run uses
const localClusterEnv = () => {
  const { MSC_MASTER_URI: _master, MSC_SLAVE_URIS: _slaves, ...env } = process.env
  return env
}

const tempDirOf = (output: string) => /\(files in ([^)]+)\)/.exec(output)?.[1]

describe("npm run demo", () => {
  it.live("walks through all six steps on a real cluster and exits 0", () =>
    Effect.gen(function* () {
      const { code, output } = yield* runDemo()
      expect(code, output).toBe(0)
      for (const heading of [
        "1. Writes go to the master, reads are spread over the slaves",
        "2. Read failover",
        "3. Every slave down",
        "4. Replication lag and read-your-writes",
        "5. Write concern",
        "6. Typed documents"
      ]) {
        expect(output).toContain(heading)
      }
      expect(output).toContain("0 of 600 reads failed")
      expect(output).toMatch(/AllSlavesUnavailable after \d+\.\d s/)
      expect(output).toMatch(/from a slave, replication paused\s+user 1/)
      expect(output).toMatch(/inside a request \(startRequest\)\s+Ada Lovelace/)
      expect(output).toContain("rejected with WriteError")
      expect(output).toContain("fails with DecodeError")
      const tempDir = tempDirOf(output)
      expect(tempDir).toBeDefined()
      expect(Fs.existsSync(tempDir!)).toBe(false)
    })
  )

  it.live("interrupted with Ctrl-C, it tears the cluster down and leaves nothing behind", () =>
    Effect.gen(function* () {
      const { code, output } = yield* runDemo(/2\. Read failover/)
      expect(code, output).toBe(0)
      const tempDir = tempDirOf(output)
      expect(tempDir).toBeDefined()
      expect(Fs.existsSync(tempDir!)).toBe(false)
    })
  )

  it.scopedLive("on a deployment of your own, it runs what it can and says why it skips the rest", () =>
    Effect.gen(function* () {
      // a deployment that replicates new collections on its own, as a MongoDB replica set does
      const deployment = yield* LocalCluster.make({ slaves: 2, followCatalog: true })
      const { code, output } = yield* runDemo(undefined, {
        MSC_MASTER_URI: deployment.masterUri,
        MSC_SLAVE_URIS: deployment.slaveUris.join(",")
      })
      expect(code, output).toBe(0)
      expect(output).toContain("This is a deployment of your own (MSC_MASTER_URI/MSC_SLAVE_URIS)")
      expect(output).toContain("1. Writes go to the master, reads are spread over the slaves")
      for (const step of ["2. Read failover", "3. Every slave down", "4. Replication lag and read-your-writes"]) {
        expect(output).toMatch(new RegExp(`${step}\\n\\s+skipped: it `))
      }
      expect(output).toContain("rejected with WriteError")
      expect(output).toContain("fails with DecodeError")
      expect(output).toContain("steps 2, 3 and 4 skipped: they need the local cluster")
    })
  )
})
