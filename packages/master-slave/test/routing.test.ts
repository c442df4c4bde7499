import { expect, layer } from "@effect/vitest"
import { Cluster, FaultProxy } from "@mongo-master-slave/testkit"
import { Chunk, Effect, Fiber, Option, Stream } from "effect"
import * as ReadStrategy from "../src/ReadStrategy.js"
import { connect, recordCommands, seeded, TestCluster } from "./support.js"

const items = Array.from({ length: 20 }, (_, i) => ({ _id: i, n: i }))

layer(TestCluster.layer, { excludeTestServices: true })("routing on the real cluster", (it) => {
  it.scoped("reads are served by the slaves, writes by the master (seen on the wire)", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { collection } = yield* seeded(connection, "routing", items)
      const sent = yield* recordCommands(connection)
      for (let i = 0; i < 40; i++) yield* collection.findOne({ _id: i % 20 })
      yield* collection.countDocuments()
      yield* collection.distinct("n")
      const reads = sent.all().filter((s) => ["find", "count", "aggregate", "distinct"].includes(s.name))
      expect(reads.length).toBeGreaterThanOrEqual(42)
      expect(reads.every((s) => s.node.startsWith("slave-"))).toBe(true)
      // the random strategy spreads them over both slaves
      expect(new Set(reads.map((s) => s.node))).toEqual(new Set(["slave-0", "slave-1"]))

      sent.clear()
      yield* collection.insertOne({ _id: 100, n: 100 })
      yield* collection.updateOne({ _id: 100 }, { $set: { n: 101 } })
      yield* collection.deleteOne({ _id: 100 })
      const writes = sent.all().filter((s) => ["insert", "update", "delete"].includes(s.name))
      expect(writes.map((s) => [s.name, s.node])).toEqual([
        ["insert", "master"],
        ["update", "master"],
        ["delete", "master"]
      ])
    })
  )

  it.scoped("inside a request, 100 insert-then-read iterations all read their own write, from the master", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const connection = yield* connect()
      const { collection } = yield* seeded(connection, "request", [{ _id: -1 }])
      // with replication paused the slaves cannot have the writes: only the master can answer
      yield* cluster.pauseReplication(0)
      yield* Effect.addFinalizer(() => Effect.orDie(cluster.resumeReplication(0)))
      yield* cluster.pauseReplication(1)
      yield* Effect.addFinalizer(() => Effect.orDie(cluster.resumeReplication(1)))
      const sent = yield* recordCommands(connection)
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* connection.startRequest
          for (let i = 0; i < 100; i++) {
            yield* collection.insertOne({ _id: i, value: `v${i}` })
            expect(yield* collection.findOne({ _id: i })).toEqual(Option.some({ _id: i, value: `v${i}` }))
          }
        })
      )
      expect(sent.named("find").every((s) => s.node === "master")).toBe(true)
      expect(sent.named("find")).toHaveLength(100)
      // after the request the reads go to the (stale) slaves again
      expect(yield* collection.findOne({ _id: 99 })).toEqual(Option.none())
      expect(sent.named("find").at(-1)!.node).toMatch(/^slave-/)
    })
  )

  it.scoped("a request is fiber-local: a concurrent fiber outside it keeps reading from the slaves", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { collection } = yield* seeded(connection, "fiberlocal", items)
      const sent = yield* recordCommands(connection)
      const outside = yield* Effect.fork(
        Effect.forEach(
          Array.from({ length: 20 }, (_, i) => i),
          (i) => collection.findOne({ _id: i, outside: { $exists: false } })
        )
      )
      yield* connection.inRequest(
        Effect.forEach(
          Array.from({ length: 20 }, (_, i) => i),
          (i) => collection.findOne({ _id: i })
        )
      )
      yield* Fiber.join(outside)
      const finds = sent.named("find")
      const outsideReads = finds.filter((s) => "outside" in (s.command.filter as object))
      const insideReads = finds.filter((s) => !("outside" in (s.command.filter as object)))
      expect(outsideReads).toHaveLength(20)
      expect(outsideReads.every((s) => s.node.startsWith("slave-"))).toBe(true)
      expect(insideReads.every((s) => s.node === "master")).toBe(true)
    })
  )

  it.scoped("after stopSlave no read fails: the traffic moves to the other slave", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const connection = yield* connect()
      const { collection } = yield* seeded(connection, "failover", items)
      yield* Effect.forEach(items, (item) => collection.findOne({ _id: item._id }))
      yield* cluster.stopSlave(0)
      yield* Effect.addFinalizer(() => Effect.orDie(cluster.startSlave(0)))
      const sent = yield* recordCommands(connection)
      const results = yield* Effect.forEach(
        Array.from({ length: 50 }, (_, i) => i % 20),
        (id) => collection.findOne({ _id: id })
      )
      expect(results.every(Option.isSome)).toBe(true)
      const answered = sent.named("find").filter((s) => s.node === "slave-1")
      expect(answered.length).toBeGreaterThanOrEqual(50)
      // and the prober, not the reads, finds out that it is down: reads skip it from then on
      const statuses = yield* Effect.repeat(Effect.delay(connection.slaveStatus, "20 millis"), {
        until: (statuses) => statuses[0]!.down
      }).pipe(Effect.timeout("5 seconds"))
      expect(statuses[1]!.down).toBe(false)
    })
  )

  it.scoped(
    "with every slave stopped, AllSlavesUnavailable comes within the attempt timeouts, not the driver's 30 s",
    () =>
      Effect.gen(function* () {
        const cluster = yield* Cluster.Cluster
        const connection = yield* connect({ attemptTimeout: "500 millis" })
        const { collection } = yield* seeded(connection, "alldown", items)
        yield* cluster.stopSlave(0)
        yield* Effect.addFinalizer(() => Effect.orDie(cluster.startSlave(0)))
        yield* cluster.stopSlave(1)
        yield* Effect.addFinalizer(() => Effect.orDie(cluster.startSlave(1)))
        const started = performance.now()
        const error = yield* Effect.flip(collection.findOne({ _id: 1 }))
        const elapsed = performance.now() - started
        if (error._tag !== "AllSlavesUnavailable")
          throw new Error(`expected AllSlavesUnavailable, got ${error.message}`)
        expect(error.attempts).toHaveLength(2)
        expect(new Set(error.attempts.map((attempt) => attempt.node.connectionId))).toEqual(new Set([0, 1]))
        expect(error.message).toMatch(/no slave answered the read \(2 tried\)/)
        // two attempts of at most 500 ms each, far from the driver's 30 s default
        expect(elapsed).toBeLessThan(5_000)
      })
  )

  it.scoped("a blackholed slave is skipped after its attempt timeout, and later reads go straight to the other", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const proxy = yield* FaultProxy.make(FaultProxy.targetOf(cluster.slaveUris[0]!))
      const connection = yield* connect({
        slaveUris: [proxy.uri, cluster.slaveUris[1]!],
        attemptTimeout: "400 millis",
        options: { readStrategy: ReadStrategy.ordered }
      })
      const { collection } = yield* seeded(connection, "blackhole", items)
      // slave 0 answers (seeding restarted the slaves' FerretDB: the prober may have to see it back first)
      yield* Effect.repeat(Effect.delay(connection.slaveStatus, "50 millis"), {
        until: (statuses) => !statuses[0]!.down && !statuses[0]!.slow
      }).pipe(Effect.timeout("10 seconds"))
      const before = yield* recordCommands(connection)
      expect(yield* collection.findOne({ _id: 1 })).toEqual(Option.some({ _id: 1, n: 1 }))
      const reads = (recorded: typeof before) =>
        recorded.named("find").filter((s) => s.command.find === collection.name)
      expect(reads(before).map((s) => s.node)).toEqual(["slave-0"])
      yield* proxy.setMode(FaultProxy.Mode.Blackhole())
      const first = performance.now()
      expect(yield* collection.findOne({ _id: 2 })).toEqual(Option.some({ _id: 2, n: 2 }))
      const firstMillis = performance.now() - first
      expect(firstMillis).toBeGreaterThanOrEqual(350)
      const sent = yield* recordCommands(connection)
      yield* Effect.forEach(
        Array.from({ length: 20 }, (_, i) => i),
        (id) => collection.findOne({ _id: id })
      )
      expect(reads(sent).every((s) => s.node === "slave-1")).toBe(true)
    })
  )

  it.scoped("a stream of a find fetches every batch from the node that opened the cursor", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { collection } = yield* seeded(connection, "batches", items)
      const sent = yield* recordCommands(connection)
      const all = yield* Stream.runCollect(collection.find({}, { batchSize: 3, sort: { _id: 1 } }))
      expect(Chunk.toReadonlyArray(all).map((d) => d._id)).toEqual(items.map((i) => i._id))
      const nodes = sent.all().filter((s) => s.name === "find" || s.name === "getMore")
      expect(sent.named("getMore").length).toBeGreaterThanOrEqual(6)
      expect(new Set(nodes.map((s) => s.node)).size).toBe(1)
    })
  )
})
