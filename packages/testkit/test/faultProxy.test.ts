import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { Cluster } from "../src/Cluster.js"
import * as FaultProxy from "../src/FaultProxy.js"
import * as TestCluster from "../src/vitest/index.js"
import { call, client, timed } from "./driver.js"

const ping = (c: Effect.Effect.Success<ReturnType<typeof client>>) => call(() => c.db("admin").command({ ping: 1 }))

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

layer(TestCluster.layer, { excludeTestServices: true })("the fault proxy in front of a node", (it) => {
  it.scoped("passes traffic through by default", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster
      const proxy = yield* FaultProxy.make(FaultProxy.targetOf(cluster.masterUri))
      const c = yield* client(proxy.uri)
      expect(yield* ping(c)).toMatchObject({ ok: 1 })
      expect(yield* proxy.connections).toBeGreaterThan(0)
    })
  )

  it.scoped("latency(ms) adds at least that delay to every round trip", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster
      const proxy = yield* FaultProxy.make(FaultProxy.targetOf(cluster.masterUri))
      const c = yield* client(proxy.uri)
      yield* ping(c)
      yield* proxy.setMode(FaultProxy.Mode.Latency({ millis: 150 }))
      const delayed = yield* Effect.forEach([1, 2, 3], () => timed(ping(c)))
      for (const { result, millis } of delayed) {
        expect(result._tag).toBe("Right")
        expect(millis).toBeGreaterThanOrEqual(150)
      }
      yield* proxy.setMode(FaultProxy.Mode.Pass())
      const direct = yield* Effect.forEach([1, 2, 3], () => timed(ping(c)))
      expect(median(direct.map((d) => d.millis))).toBeLessThan(median(delayed.map((d) => d.millis)) - 100)
    })
  )

  it.scoped("blackhole: the node accepts the connection and never answers, so the operation times out", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster
      const proxy = yield* FaultProxy.make(FaultProxy.targetOf(cluster.masterUri))
      const c = yield* client(proxy.uri, { socketTimeoutMS: 300, connectTimeoutMS: 300, serverSelectionTimeoutMS: 600 })
      yield* ping(c)
      yield* proxy.setMode(FaultProxy.Mode.Blackhole())
      const { result } = yield* timed(ping(c))
      expect(result._tag).toBe("Left")
      expect(String(result._tag === "Left" && result.left)).toMatch(/timed out|Server selection/i)
      expect(yield* proxy.connections).toBeGreaterThan(0)
    })
  )

  it.scoped("reset: connections are closed at once, so an operation fails fast instead of waiting for a timeout", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster
      const proxy = yield* FaultProxy.make(FaultProxy.targetOf(cluster.masterUri))
      const c = yield* client(proxy.uri, { serverSelectionTimeoutMS: 10_000, retryReads: false })
      yield* ping(c)
      yield* proxy.setMode(FaultProxy.Mode.Reset())
      const { result, millis } = yield* timed(ping(c))
      expect(result._tag).toBe("Left")
      // failing fast: long before the 10 s the driver would wait for an unanswering node
      expect(millis).toBeLessThan(5_000)
      yield* proxy.setMode(FaultProxy.Mode.Pass())
      expect(yield* ping(c)).toMatchObject({ ok: 1 })
    })
  )
})
