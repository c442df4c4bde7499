import * as Fs from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { isListening } from "../src/internal/net.js"
import * as LocalCluster from "../src/LocalCluster.js"
import { isAlive, processesMentioning } from "./processes.js"

describe("LocalCluster teardown", () => {
  it.live("closing the scope leaves no process, no listening port and no temp dir behind", () =>
    Effect.gen(function* () {
      const scope = yield* Scope.make()
      const cluster = yield* LocalCluster.make({ slaves: 1 }).pipe(Scope.extend(scope))
      yield* cluster.stopSlave(0)
      yield* cluster.startSlave(0)
      const pids = yield* cluster.processIds
      const ports = cluster.nodes.flatMap((node) => [node.port, node.postgresPort])
      expect(pids.length).toBe(5)
      expect(pids.every(isAlive)).toBe(true)
      for (const port of ports) expect(yield* isListening(port)).toBe(true)
      expect(Fs.existsSync(cluster.tempDir)).toBe(true)

      yield* Scope.close(scope, Exit.void)

      expect(pids.filter(isAlive)).toEqual([])
      for (const port of ports) expect(yield* isListening(port)).toBe(false)
      expect(Fs.existsSync(cluster.tempDir)).toBe(false)
      expect(processesMentioning(cluster.tempDir)).toEqual([])
    })
  )

  it.live("a failed start stops what it had started and removes the temp dir", () =>
    Effect.gen(function* () {
      const before = new Set(Fs.readdirSync("/tmp").filter((f) => f.startsWith("msc-cluster-")))
      const error = yield* Effect.flip(
        Effect.scoped(
          LocalCluster.make({
            slaves: 1,
            parts: { postgresBin: "/usr/lib/postgresql/15/bin", ferretdb: "/nonexistent/ferretdb" }
          })
        )
      )
      expect(error.message).toMatch(/cannot run \/nonexistent\/ferretdb/)
      // a cluster another process runs meanwhile is not this start's: its processes live in its dir
      const left = Fs.readdirSync("/tmp").filter(
        (f) => f.startsWith("msc-cluster-") && !before.has(f) && processesMentioning(`/tmp/${f}`).length === 0
      )
      expect(left).toEqual([])
    })
  )

  it.live("a bad slave count is a typed error", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Effect.scoped(LocalCluster.make({ slaves: 0 })))
      expect(error.message).toMatch(/slaves must be a whole number from 1 to 8, got 0/)
    })
  )
})
