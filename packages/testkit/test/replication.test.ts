import { describe, expect, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import { Cluster } from "../src/Cluster.js"
import * as TestCluster from "../src/vitest/index.js"
import { call, client } from "./driver.js"

layer(TestCluster.layer, { excludeTestServices: true })("the local cluster replicates from master to slaves", (it) => {
  it.scoped("a document written on the master is served by every slave after waitForReplication", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster
      const db = TestCluster.uniqueDatabaseName("replicates")
      const master = yield* client(cluster.masterUri)
      // a new database and collection: the slaves' FerretDB must learn the new catalog
      const items = (c: typeof master) => c.db(db).collection<{ _id: number; name: string }>("items")
      yield* call(() => items(master).insertOne({ _id: 1, name: "first" }))
      yield* cluster.waitForReplication()
      for (const uri of cluster.slaveUris) {
        const slave = yield* client(uri)
        expect(yield* call(() => items(slave).findOne({ _id: 1 }))).toEqual({
          _id: 1,
          name: "first"
        })
      }
    })
  )

  it.scoped("a slave is read-only: an insert sent to it is rejected", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster
      const db = TestCluster.uniqueDatabaseName("readonly")
      const master = yield* client(cluster.masterUri)
      yield* call(() => master.db(db).collection("items").insertOne({ name: "on the master" }))
      yield* cluster.waitForReplication()
      const slave = yield* client(cluster.slaveUris[0]!)
      const rejected = yield* Effect.flip(
        call(() => slave.db(db).collection("items").insertOne({ name: "on a slave" }))
      )
      expect(String(rejected)).toMatch(/read-only transaction/)
      expect(yield* call(() => master.db(db).collection("items").countDocuments())).toBe(1)
    })
  )

  it.scoped("with replication paused on slave 1, a write reaches slave 0 but not slave 1 until resumed", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster
      const db = TestCluster.uniqueDatabaseName("paused")
      const master = yield* client(cluster.masterUri)
      const [slave0, slave1] = [yield* client(cluster.slaveUris[0]!), yield* client(cluster.slaveUris[1]!)]
      yield* call(() => master.db(db).collection("items").insertOne({ n: 1 }))
      yield* cluster.waitForReplication()

      yield* cluster.pauseReplication(1)
      yield* Effect.addFinalizer(() => Effect.orDie(cluster.resumeReplication(1)))
      yield* call(() => master.db(db).collection("items").insertOne({ n: 2 }))
      yield* cluster.waitForReplication()
      const count = (c: typeof master) => call(() => c.db(db).collection("items").countDocuments())
      expect(yield* count(master)).toBe(2)
      expect(yield* count(slave0)).toBe(2)
      expect(yield* count(slave1)).toBe(1)

      yield* cluster.resumeReplication(1)
      yield* cluster.waitForReplication()
      expect(yield* count(slave1)).toBe(2)
    })
  )

  it.scoped("a stopped slave refuses connections, and after startSlave serves what was written meanwhile", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster
      const db = TestCluster.uniqueDatabaseName("stopped")
      const master = yield* client(cluster.masterUri)
      yield* call(() => master.db(db).collection("items").insertOne({ n: 1 }))
      yield* cluster.waitForReplication()

      yield* cluster.stopSlave(0)
      yield* Effect.addFinalizer(() => Effect.orDie(cluster.startSlave(0)))
      const slave = yield* client(cluster.slaveUris[0]!, { serverSelectionTimeoutMS: 500 })
      const refused = yield* Effect.flip(call(() => slave.db(db).command({ ping: 1 })))
      expect(String(refused)).toMatch(/ECONNREFUSED/)

      yield* call(() => master.db(db).collection("items").insertOne({ n: 2 }))
      yield* cluster.startSlave(0)
      yield* cluster.waitForReplication()
      const again = yield* client(cluster.slaveUris[0]!)
      expect(yield* call(() => again.db(db).collection("items").countDocuments())).toBe(2)
    })
  )

  it.effect("waitForReplication fails with a typed ReplicationTimeout when slaves cannot catch up in time", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster
      const error = yield* Effect.flip(cluster.waitForReplication({ timeout: "0 millis" }))
      expect(error._tag).toBe("ReplicationTimeout")
      expect(error.message).toMatch(/did not catch up/)
    })
  )

  it.effect("a control naming no slave is a typed error that gives the valid range", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster
      for (const control of [
        cluster.stopSlave,
        cluster.startSlave,
        cluster.pauseReplication,
        (index: number) => cluster.setReplicationDelay(index, "1 second")
      ]) {
        const error = yield* Effect.flip(control(7))
        expect(error._tag).toBe("ClusterError")
        expect(error.message).toMatch(/there is no slave 7: the cluster has slaves 0 to 1/)
      }
    })
  )
})

describe("uniqueDatabaseName", () => {
  it("gives valid, distinct MongoDB database names", () => {
    const names = new Set(
      Array.from({ length: 100 }, () => TestCluster.uniqueDatabaseName("a very-long.prefix/".repeat(9)))
    )
    expect(names.size).toBe(100)
    for (const name of names) {
      expect(Buffer.byteLength(name)).toBeLessThan(64)
      expect(name).not.toMatch(/[/\\. "$]/)
    }
  })
})
