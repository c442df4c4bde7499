/**
 * What a newcomer trips over, on the real cluster: each was found by trying
 * the library as a new user (issue 10), and each is fixed here.
 */
import { expect, layer } from "@effect/vitest"
import { Cluster } from "@mongo-master-slave/testkit"
import { Effect, Exit } from "effect"
import { connect, seeded, TestCluster } from "./support.js"

layer(TestCluster.layer, { excludeTestServices: true })("what a newcomer trips over", (it) => {
  it.scoped("a slave that refuses connections is reported as refused, with the driver's reason", () =>
    Effect.gen(function* () {
      const seededConnection = yield* connect()
      const { database } = yield* seeded(seededConnection, "refused", [{ _id: 1 }])
      // nothing listens on port 9 (discard): every connection is refused
      const connection = yield* connect({
        slaveUris: ["mongodb://127.0.0.1:9/?directConnection=true"],
        attemptTimeout: "500 millis"
      })
      const items = yield* Effect.flatMap(connection.database(database.name), (db) => db.collection("items"))
      const exit = yield* Effect.exit(items.findOne({ _id: 1 }))
      if (!(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag === "AllSlavesUnavailable")) {
        throw new Error(`expected AllSlavesUnavailable, got ${String(exit)}`)
      }
      const [attempt] = exit.cause.error.attempts
      expect(attempt?._tag === "NodeUnavailable" && attempt.kind).toBe("refused")
      expect(attempt?.message).toMatch(
        /slave 0 \(127.0.0.1:9\) is unavailable: refused: connect ECONNREFUSED 127.0.0.1:9/
      )
      expect(attempt?.message).not.toMatch(/no answer within/)
      // refused: down, so the next read does not wait for it
      const [status] = yield* connection.slaveStatus
      expect(status?.down).toBe(true)
    })
  )

  it.scoped("a slave that is the master written another way (localhost for 127.0.0.1) is refused", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const master = new URL(cluster.masterUri)
      for (const host of ["localhost", "LOCALHOST", "[::1]", "localhost."]) {
        const alias = cluster.masterUri.replace(master.hostname, host)
        const error = yield* Effect.flip(Effect.scoped(connect({ slaveUris: [cluster.slaveUris[0]!, alias] })))
        expect(error._tag).toBe("ConfigError")
        expect(error.message).toMatch(/^bad configuration of slaves\[1\]: .* names the master's node \(/)
      }
      // two slaves that are one node, written two ways
      const slave = new URL(cluster.slaveUris[0]!)
      const twice = yield* Effect.flip(
        Effect.scoped(
          connect({ slaveUris: [cluster.slaveUris[0]!, cluster.slaveUris[0]!.replace(slave.hostname, "localhost")] })
        )
      )
      expect(twice.message).toMatch(/slaves\[1\]: .* names the same node as slaves\[0\]/)
    })
  )
})
