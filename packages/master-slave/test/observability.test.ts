import { expect, layer } from "@effect/vitest"
import { Cluster } from "@mongo-master-slave/testkit"
import { Effect, Metric, Option } from "effect"
import * as ReadStrategy from "../src/ReadStrategy.js"
import { connect, recordingTracer, seeded, TestCluster } from "./support.js"

const count = (name: string, node: string) =>
  Effect.map(Metric.snapshot, (pairs) =>
    pairs
      .filter(
        (pair) => pair.metricKey.name === name && pair.metricKey.tags.some((t) => t.key === "node" && t.value === node)
      )
      .reduce((sum, pair) => sum + ((pair.metricState as { count?: number }).count ?? 0), 0)
  )

/** Operations on a node in the OpenTelemetry duration histogram (labelled msc.node). */
const duration = (node: string) =>
  Effect.map(Metric.snapshot, (pairs) =>
    pairs
      .filter(
        (pair) =>
          pair.metricKey.name === "db.client.operation.duration" &&
          pair.metricKey.tags.some((t) => t.key === "msc.node" && t.value === node)
      )
      .reduce((sum, pair) => sum + ((pair.metricState as { count?: number }).count ?? 0), 0)
  )

layer(TestCluster.layer, { excludeTestServices: true })("observability", (it) => {
  it.scoped("every operation is a client span with OpenTelemetry database attributes and the node that served it", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { collection, database } = yield* seeded(connection, "spans", [{ _id: 1 }])
      const { tracer, spans } = recordingTracer()
      yield* Effect.withTracer(Effect.zip(collection.findOne({ _id: 1 }), collection.insertOne({ _id: 2 })), tracer)
      const [read, write] = spans
      expect(read).toMatchObject({ name: "find items", kind: "client", ended: true })
      expect(Object.fromEntries(read!.attributes)).toMatchObject({
        "db.system.name": "mongodb",
        "db.operation.name": "find",
        "db.namespace": database.name,
        "db.collection.name": "items",
        "msc.node.role": "slave"
      })
      expect(read!.attributes.get("server.address")).toBe("127.0.0.1")
      expect(write).toMatchObject({ name: "insert items", kind: "client" })
      expect(Object.fromEntries(write!.attributes)).toMatchObject({
        "msc.node": "master",
        "msc.node.connection_id": -1,
        "server.port": Number(connection.master.address.split(":")[1])
      })
    })
  )

  it.scoped("a read that fails over records the slave it passed over, as a span event and a metric", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      // the collection is made (and the slaves' catalogs refreshed) first; then
      // a connection whose checks are far apart, so that the read, not a probe,
      // is what finds slave 0 gone
      const { collection: seededCollection } = yield* seeded(yield* connect(), "events", [{ _id: 1 }])
      const connection = yield* connect({
        attemptTimeout: "500 millis",
        healthCheckInterval: "1 minute",
        options: { readStrategy: ReadStrategy.ordered }
      })
      yield* Effect.repeat(Effect.delay(connection.slaveStatus, "50 millis"), {
        until: (statuses) => statuses.every((status) => !status.down && Option.isSome(status.latencyMillis))
      }).pipe(Effect.timeout("10 seconds"))
      const database = yield* connection.database(seededCollection.databaseName)
      const collection = yield* database.collection(seededCollection.name)
      yield* cluster.stopSlave(0)
      yield* Effect.addFinalizer(() => Effect.orDie(cluster.startSlave(0)))
      const failoversBefore = yield* count("msc_failovers_total", "slave-0")
      const { tracer, spans } = recordingTracer()
      expect(yield* Effect.withTracer(collection.findOne({ _id: 1 }), tracer)).toEqual(Option.some({ _id: 1 }))
      const failover = spans[0]!.events.find((e) => e.name === "failover")
      expect(failover?.attributes).toMatchObject({ "msc.node": "slave-0" })
      expect(spans[0]!.attributes.get("msc.node")).toBe("slave-1")
      expect((yield* count("msc_failovers_total", "slave-0")) - failoversBefore).toBe(1)
    })
  )

  it.scoped(
    "a failed operation carries OpenTelemetry's error.type and db.response.status_code, on its span and its duration",
    () =>
      Effect.gen(function* () {
        const connection = yield* connect()
        const database = yield* connection.database(TestCluster.uniqueDatabaseName("otel_errors"))
        const collection = yield* database.collection("items")
        yield* collection.insertOne({ _id: 1 })
        const { tracer, spans } = recordingTracer()
        const error = yield* Effect.flip(Effect.withTracer(collection.insertOne({ _id: 1 }), tracer))
        expect(error._tag).toBe("WriteError")
        expect(spans[0]!.attributes.get("error.type")).toBe("WriteError")
        expect(spans[0]!.attributes.get("db.response.status_code")).toBe("11000")
        const failed = yield* Effect.map(Metric.snapshot, (pairs) =>
          pairs.filter(
            (pair) =>
              pair.metricKey.name === "db.client.operation.duration" &&
              pair.metricKey.tags.some((t) => t.key === "db.namespace" && t.value === database.name) &&
              pair.metricKey.tags.some((t) => t.key === "error.type" && t.value === "WriteError")
          )
        )
        expect(failed).toHaveLength(1)
        const tags = Object.fromEntries(failed[0]!.metricKey.tags.map((t) => [t.key, t.value]))
        expect(tags).toMatchObject({
          "db.system.name": "mongodb",
          "db.operation.name": "insert",
          "db.collection.name": "items",
          "db.response.status_code": "11000",
          "msc.node": "master"
        })
      })
  )

  it.scoped("per-node counters and a latency histogram record what each node served", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { collection } = yield* seeded(connection, "metrics", [{ _id: 1 }])
      const before = {
        master: yield* count("msc_operations_total", "master"),
        slaves: (yield* count("msc_operations_total", "slave-0")) + (yield* count("msc_operations_total", "slave-1")),
        latency: (yield* duration("slave-0")) + (yield* duration("slave-1"))
      }
      for (let i = 0; i < 10; i++) yield* collection.findOne({ _id: 1 })
      yield* collection.insertOne({ _id: 2 })
      const slaves =
        (yield* count("msc_operations_total", "slave-0")) + (yield* count("msc_operations_total", "slave-1"))
      const latency = (yield* duration("slave-0")) + (yield* duration("slave-1"))
      expect(slaves - before.slaves).toBe(10)
      expect(latency - before.latency).toBe(10)
      expect((yield* count("msc_operations_total", "master")) - before.master).toBe(1)
    })
  )
})
