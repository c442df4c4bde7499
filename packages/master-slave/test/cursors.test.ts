import { expect, layer } from "@effect/vitest"
import { Cluster } from "@mongo-master-slave/testkit"
import { Chunk, Effect, Stream } from "effect"
import { connect, recordCommands, seeded, TestCluster } from "./support.js"

const items = Array.from({ length: 10 }, (_, i) => ({ _id: i, n: i }))
const ids = (chunk: Chunk.Chunk<{ readonly [key: string]: unknown }>) => Chunk.toReadonlyArray(chunk).map((d) => d._id)

layer(TestCluster.layer, { excludeTestServices: true })("cursors on the real cluster", (it) => {
  it.scoped("a cursor handle names its server cursor, its node and its namespace", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { collection } = yield* seeded(connection, "handle", items)
      const cursor = yield* collection.findCursor({}, { batchSize: 2, sort: { _id: 1 } })
      expect(cursor.cursorId).toBeGreaterThan(0n)
      expect([0, 1]).toContain(cursor.connectionId)
      expect(cursor.node.connectionId).toBe(cursor.connectionId)
      expect(cursor.namespace).toBe(collection.namespace)
      expect(ids(yield* Stream.runCollect(cursor.stream))).toEqual(items.map((i) => i._id))
    })
  )

  it.scoped("closeCursor kills it on its node; the next getMore fails with CursorNotFound", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { collection } = yield* seeded(connection, "close", items)
      const cursor = yield* collection.findCursor({}, { batchSize: 2, sort: { _id: 1 } })
      expect(ids(yield* Stream.runCollect(Stream.take(cursor.stream, 2)))).toEqual([0, 1])
      const sent = yield* recordCommands(connection)
      yield* connection.closeCursor(cursor)
      expect(sent.named("killCursors").map((s) => s.node)).toEqual([`slave-${cursor.connectionId}`])
      const error = yield* Effect.flip(Stream.runCollect(cursor.stream))
      if (error._tag !== "CursorNotFound") throw new Error(`expected CursorNotFound, got ${error.message}`)
      expect(error.cursorId).toBe(cursor.cursorId)
      expect(error.node.connectionId).toBe(cursor.connectionId)
    })
  )

  it.scoped("closeCursor checks what it is given", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const badNode = yield* Effect.flip(connection.closeCursor({ cursorId: 5n, connectionId: 7, namespace: "a.b" }))
      expect([badNode._tag, badNode._tag === "InvalidOption" && badNode.option]).toEqual([
        "InvalidOption",
        "connectionId"
      ])
      const badId = yield* Effect.flip(connection.closeCursor({ cursorId: 0n, connectionId: -1, namespace: "a.b" }))
      expect(badId._tag === "InvalidOption" && badId.option).toBe("cursorId")
      const badNamespace = yield* Effect.flip(
        connection.closeCursor({ cursorId: 5n, connectionId: 0, namespace: "nodot" })
      )
      expect(badNamespace._tag === "InvalidOption" && badNamespace.option).toBe("namespace")
    })
  )

  it.scoped("a stream closed early kills its server cursor on the node that opened it", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { collection } = yield* seeded(connection, "early", items)
      const sent = yield* recordCommands(connection)
      const first = yield* Stream.runCollect(Stream.take(collection.find({}, { batchSize: 2, sort: { _id: 1 } }), 3))
      expect(ids(first)).toEqual([0, 1, 2])
      const opened = sent.named("find")[0]!.node
      expect(sent.named("killCursors").map((s) => s.node)).toEqual([opened])
    })
  )

  it.scoped("a node lost mid-stream fails the stream with a typed error; it never restarts elsewhere", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const connection = yield* connect({ attemptTimeout: "500 millis" })
      const { collection } = yield* seeded(connection, "midstream", items)
      const cursor = yield* collection.findCursor({}, { batchSize: 2, sort: { _id: 1 } })
      const seen: Array<unknown> = []
      const firstBatch = yield* Stream.runCollect(Stream.take(cursor.stream, 2))
      seen.push(...ids(firstBatch))
      yield* cluster.stopSlave(cursor.connectionId)
      yield* Effect.addFinalizer(() => Effect.orDie(cluster.startSlave(cursor.connectionId)))
      const error = yield* Effect.flip(Stream.runForEach(cursor.stream, (d) => Effect.sync(() => seen.push(d._id))))
      expect(error._tag).toBe("NodeUnavailable")
      expect(error._tag === "NodeUnavailable" && error.node.connectionId).toBe(cursor.connectionId)
      // nothing was delivered twice, nothing came from another node
      expect(seen).toEqual([0, 1])
    })
  )

  it.scoped("an aggregation reads from a slave; one with $out writes, so it runs on the master", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { collection, database } = yield* seeded(connection, "aggregate", items)
      const sent = yield* recordCommands(connection)
      const evens = yield* Stream.runCollect(
        collection.aggregate([{ $match: { n: { $in: [0, 2, 4] } } }, { $sort: { _id: 1 } }])
      )
      expect(ids(evens)).toEqual([0, 2, 4])
      expect(sent.named("aggregate").at(-1)!.node).toMatch(/^slave-/)
      const out = yield* Effect.either(
        Stream.runDrain(collection.aggregate([{ $match: { n: { $gte: 5 } } }, { $out: "big" }]))
      )
      expect(sent.named("aggregate").at(-1)!.node).toBe("master")
      if (out._tag === "Right") {
        const big = yield* database.collection("big")
        expect(yield* connection.inRequest(big.countDocuments())).toBe(5)
      } else {
        // FerretDB 1.24 does not implement $out: the master itself says so (MongoDB runs it)
        expect(out.left._tag === "ServerError" && [out.left.code, out.left.node.connectionId]).toEqual([238, -1])
      }
    })
  )
})
