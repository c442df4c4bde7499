import { expect, layer } from "@effect/vitest"
import { Master, MasterSlaveConnection, Metrics, Slaves } from "@mongo-master-slave/core"
import { Cluster } from "@mongo-master-slave/testkit"
import * as TestCluster from "@mongo-master-slave/testkit/vitest"
import { ConfigProvider, Effect, Layer, Metric, Option } from "effect"
import * as ConfigFromEnv from "../src/configFromEnv.js"
import * as CustomReadStrategy from "../src/customReadStrategy.js"
import * as Layers from "../src/layers.js"
import * as RequestScope from "../src/requestScope.js"
import * as TypedCollection from "../src/typedCollection.js"

const onCluster = <A, E>(program: Effect.Effect<A, E, MasterSlaveConnection.MasterSlaveConnection>) =>
  Effect.flatMap(Cluster.Cluster, (cluster) =>
    Effect.provide(program, Layers.MongoLive(cluster.masterUri, cluster.slaveUris))
  )

layer(TestCluster.layer, { excludeTestServices: true })("the examples run on the real cluster", (it) => {
  it.effect("typedCollection: a Schema-typed order with a DateTime.Utc date", () =>
    Effect.gen(function* () {
      const summary = yield* onCluster(TypedCollection.program)
      expect(Option.getOrThrow(summary)).toMatch(/^2 × tea at \d{4}-\d\d-\d\dT/)
    })
  )

  it.effect("requestScope: reads inside the request see the write", () =>
    Effect.gen(function* () {
      const cart = yield* onCluster(RequestScope.program)
      expect(Option.getOrThrow(cart)).toMatchObject({ _id: "ada" })
      expect((Option.getOrThrow(cart) as { items: Array<string> }).items).toContain("tea")
    })
  )

  it.effect("configFromEnv: the whole connection from MSC_* variables", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const env = ConfigProvider.fromMap(
        new Map([
          ["MSC_MASTER_URI", cluster.masterUri],
          ["MSC_SLAVE_URIS", cluster.slaveUris.join(",")]
        ])
      )
      const summary = yield* ConfigFromEnv.main.pipe(Effect.withConfigProvider(env))
      expect(summary).toMatch(
        /^MasterSlaveConnection\(master\(127\.0\.0\.1:\d+\), \[slave 0.*\]\) holds \d+ database\(s\)$/
      )
    })
  )

  it.scoped("customReadStrategy: reads go to the slaves of the chosen zone", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const zone = `:${new URL(cluster.slaveUris[1]!).port}`
      const context = yield* Layer.build(CustomReadStrategy.MongoLive(cluster.masterUri, cluster.slaveUris, zone))
      const connection = context.unsafeMap.get(
        MasterSlaveConnection.MasterSlaveConnection.key
      ) as MasterSlaveConnection.MasterSlaveConnection
      const database = yield* connection.database(TestCluster.uniqueDatabaseName("zone"))
      const items = yield* database.collection("items")
      yield* items.insertOne({ _id: 1 })
      yield* cluster.waitForReplication()
      const operations = (node: string) =>
        Effect.map(Metric.snapshot, (pairs) =>
          pairs
            .filter(
              (p) => p.metricKey.name === Metrics.names.operations && p.metricKey.tags.some((t) => t.value === node)
            )
            .reduce((sum, p) => sum + ((p.metricState as { count?: number }).count ?? 0), 0)
        )
      const before = [yield* operations("slave-0"), yield* operations("slave-1")]
      for (let i = 0; i < 10; i++) expect(yield* items.findOne({ _id: 1 })).toEqual(Option.some({ _id: 1 }))
      expect([(yield* operations("slave-0")) - before[0]!, (yield* operations("slave-1")) - before[1]!]).toEqual([
        0, 10
      ])
    })
  )

  it.effect("layers: the entry-point layer builds, reads and writes", () =>
    Effect.gen(function* () {
      const names = yield* onCluster(MasterSlaveConnection.databaseNames)
      expect(names).toContain("shop")
      expect(Master.layer).toBeTypeOf("function")
      expect(Slaves.layer).toBeTypeOf("function")
    })
  )
})
