import { describe, expect, it, layer } from "@effect/vitest"
import { Context, Duration, Effect, Layer } from "effect"
import type { MongoClient } from "mongodb"
import * as Postgres from "../src/internal/postgres.js"
import * as LocalCluster from "../src/LocalCluster.js"
import { call, client } from "./driver.js"

/** A cluster of this file's own: its tests delay, stop and start slaves, which the shared one must not see. */
class Local extends Context.Tag("test/Local")<Local, LocalCluster.LocalCluster>() {}

const items = (c: MongoClient) => c.db("delays").collection<{ _id: number }>("items")

/** Milliseconds until the document is served, polling every 10 ms; fails after `within` ms. */
const servedAfter = (c: MongoClient, id: number, within: number) =>
  Effect.promise(async () => {
    const started = performance.now()
    while (performance.now() - started < within) {
      if ((await items(c).findOne({ _id: id })) !== null) return performance.now() - started
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    throw new Error(`document ${id} not served within ${within} ms`)
  })

const served = (c: MongoClient, id: number) => call(() => items(c).findOne({ _id: id })).pipe(Effect.map(Boolean))

layer(Layer.scoped(Local, LocalCluster.make({ slaves: 2 })), { excludeTestServices: true, timeout: 120_000 })(
  "a local cluster of its own",
  (it) => {
    it.scoped("the library's heartbeat namespace exists on the master and is listed by every slave", () =>
      Effect.gen(function* () {
        const cluster = yield* Local
        expect(LocalCluster.defaultCollections).toEqual(["mongo_master_slave.heartbeats"])
        for (const uri of [cluster.masterUri, ...cluster.slaveUris]) {
          const c = yield* client(uri)
          const names = yield* call(() => c.db("mongo_master_slave").listCollections().toArray())
          expect(
            names.map((n) => n.name),
            uri
          ).toContain("heartbeats")
        }
      })
    )

    it.scoped(
      "setReplicationDelay: a write reaches the delayed slave only after the delay; waitForReplication skips it",
      () =>
        Effect.gen(function* () {
          const cluster = yield* Local
          const master = yield* client(cluster.masterUri)
          const [slave0, slave1] = [yield* client(cluster.slaveUris[0]!), yield* client(cluster.slaveUris[1]!)]
          yield* call(() => items(master).insertOne({ _id: 0 }))
          yield* cluster.waitForReplication()

          yield* cluster.setReplicationDelay(1, "1500 millis")
          yield* Effect.addFinalizer(() => Effect.orDie(cluster.setReplicationDelay(1, 0)))
          expect((yield* cluster.slaveStatus)[1]).toMatchObject({ running: true, replicationDelayMillis: 1500 })
          yield* call(() => items(master).insertOne({ _id: 1 }))
          const [waited] = yield* Effect.timed(cluster.waitForReplication())
          expect(yield* served(slave0, 1)).toBe(true)
          expect(yield* served(slave1, 1)).toBe(false)
          // the delayed slave is not waited for: well under its delay
          expect(Duration.toMillis(waited)).toBeLessThan(1_000)
          const millis = yield* servedAfter(slave1, 1, 5_000)
          // counted from the master's commit, a moment before insertOne returned
          expect(millis).toBeGreaterThan(1_000)
          expect(millis).toBeLessThan(3_500)
        })
    )

    it.scoped("turning the delay off applies a pending write at once", () =>
      Effect.gen(function* () {
        const cluster = yield* Local
        const master = yield* client(cluster.masterUri)
        const slave1 = yield* client(cluster.slaveUris[1]!)
        yield* cluster.setReplicationDelay(1, "10 seconds")
        yield* Effect.addFinalizer(() => Effect.orDie(cluster.setReplicationDelay(1, 0)))
        yield* call(() => items(master).insertOne({ _id: 2 }))
        yield* Effect.sleep("300 millis")
        expect(yield* served(slave1, 2)).toBe(false)
        const started = performance.now()
        yield* cluster.setReplicationDelay(1, 0)
        const off = performance.now() - started
        const visible = (yield* servedAfter(slave1, 2, 5_000)) + off
        console.log(
          `replication delay turned off: the control took ${off.toFixed(0)} ms, the write was served ${visible.toFixed(0)} ms after it was asked`
        )
        expect(visible).toBeLessThan(1_000)
      })
    )

    it.scoped("the delay stays with a slave across stopSlave and startSlave, also one set while it is stopped", () =>
      Effect.gen(function* () {
        const cluster = yield* Local
        const port = cluster.nodes.find((n) => n.role === "slave" && n.index === 1)!.postgresPort
        yield* Effect.addFinalizer(() =>
          Effect.orDie(Effect.zipRight(cluster.startSlave(1), cluster.setReplicationDelay(1, 0)))
        )
        yield* cluster.setReplicationDelay(1, 700)
        yield* cluster.stopSlave(1)
        expect((yield* cluster.slaveStatus)[1]).toMatchObject({ running: false, replicationDelayMillis: 700 })
        yield* cluster.startSlave(1)
        // ALTER SYSTEM wrote it to postgresql.auto.conf, which the restarted standby read
        expect(yield* Postgres.applyDelay(port)).toBe(700)

        yield* cluster.stopSlave(1)
        yield* cluster.setReplicationDelay(1, "2 seconds")
        yield* cluster.startSlave(1)
        expect(yield* Postgres.applyDelay(port)).toBe(2_000)
        expect((yield* cluster.slaveStatus)[1]).toMatchObject({ running: true, replicationDelayMillis: 2_000 })
      })
    )

    it.effect("a bad delay or slave is a typed error that says what is wrong", () =>
      Effect.gen(function* () {
        const cluster = yield* Local
        const cases: ReadonlyArray<readonly [number, unknown, RegExp]> = [
          [0, -1, /zero or more/],
          [0, "-5 millis", /zero or more/],
          [0, Number.NaN, /a number of milliseconds/],
          [0, Number.POSITIVE_INFINITY, /finite/],
          [0, "soon", /a duration/],
          [0, 3e9, /at most 2147483647 ms/],
          [7, 0, /there is no slave 7: the cluster has slaves 0 to 1/]
        ]
        for (const [index, delay, message] of cases) {
          const error = yield* Effect.flip(cluster.setReplicationDelay(index, delay as number))
          expect(error._tag).toBe("ClusterError")
          expect(error.message).toMatch(message)
        }
        expect((yield* cluster.slaveStatus).map((s) => s.replicationDelayMillis)).toEqual([0, 0])
      })
    )
  }
)

describe("LocalCluster options", () => {
  it.live("a collection that is not database.collection is a typed error, before anything starts", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Effect.scoped(LocalCluster.make({ collections: ["heartbeats"] })))
      expect(error.message).toMatch(/"heartbeats" is not a namespace of the form "database.collection"/)
    })
  )
})
