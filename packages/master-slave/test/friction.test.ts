/**
 * What a newcomer trips over, on the real cluster: each was found by trying
 * the library as a new user (issue 10), and each is fixed here.
 */
import { expect, layer } from "@effect/vitest"
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
})
