import { expect, layer } from "@effect/vitest"
import { Effect } from "effect"
import { Cluster } from "../src/Cluster.js"
import * as ExternalCluster from "../src/ExternalCluster.js"
import * as TestCluster from "../src/vitest/index.js"
import { call, client } from "./driver.js"

layer(TestCluster.layer, { excludeTestServices: true })("ExternalCluster over a running deployment", (it) => {
  it.scoped("waitForReplication waits until every slave serves a marker written on the master", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster
      const external = yield* ExternalCluster.make(cluster.masterUri, cluster.slaveUris)
      expect(external.kind).toBe("external")
      // The first marker creates the marker collection; FerretDB slaves learn a new
      // collection only when their catalog is refreshed, which the local cluster does.
      yield* Effect.ignore(external.waitForReplication({ timeout: "200 millis" }))
      if (cluster.kind === "local") yield* cluster.waitForReplication()

      const db = TestCluster.uniqueDatabaseName("external")
      const master = yield* client(cluster.masterUri)
      yield* call(() => master.db(db).collection("items").insertOne({ n: 1 }))
      yield* external.waitForReplication()
      const slave = yield* client(cluster.slaveUris[0]!)
      expect(
        yield* call(() => slave.db("msc_testkit").collection("replication_marker").countDocuments())
      ).toBeGreaterThan(0)
    })
  )

  it.scoped("controls that need local processes fail with NotSupported, saying why", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster
      const external = yield* ExternalCluster.make(cluster.masterUri, cluster.slaveUris)
      for (const control of [
        external.stopSlave,
        external.startSlave,
        external.pauseReplication,
        external.resumeReplication,
        (index: number) => external.setReplicationDelay(index, "1 second")
      ]) {
        const error = yield* Effect.flip(control(0))
        expect(error._tag).toBe("NotSupported")
        expect(error.message).toMatch(/not supported on an external cluster/)
      }
    })
  )

  it.scoped("an empty slave list is a typed error", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster
      const error = yield* Effect.flip(ExternalCluster.make(cluster.masterUri, []))
      expect(error.message).toMatch(/names no slave/)
    })
  )
})
