import { spawn } from "node:child_process"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { expect, layer } from "@effect/vitest"
import { Master, MasterSlaveConnection, Metrics, Slaves } from "@mongo-master-slave/core"
import { Cluster } from "@mongo-master-slave/testkit"
import * as TestCluster from "@mongo-master-slave/testkit/vitest"
import { Effect, Layer, Metric, Option } from "effect"
import * as Consistency from "../src/consistency.js"
import * as CustomReadStrategy from "../src/customReadStrategy.js"
import * as Layers from "../src/layers.js"
import * as RequestScope from "../src/requestScope.js"
import * as TypedCollection from "../src/typedCollection.js"

const repo = Path.resolve(Path.dirname(fileURLToPath(import.meta.url)), "../../..")

/** An example that is an entry point, run as its own process, as a user runs it. */
const runExample = (file: string, env: Record<string, string | undefined>) =>
  Effect.async<{ readonly code: number | null; readonly output: string }>((resume) => {
    const child = spawn(
      process.execPath,
      ["--conditions=@mongo-master-slave/source", "--import", "tsx", Path.join("packages/examples/src", file)],
      {
        cwd: repo,
        stdio: ["ignore", "pipe", "pipe"],
        env: Object.fromEntries(
          Object.entries({ ...process.env, ...env }).filter(
            (entry): entry is [string, string] => entry[1] !== undefined
          )
        )
      }
    )
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.once("exit", (code) => resume(Effect.succeed({ code, output })))
    return Effect.sync(() => child.kill("SIGKILL"))
  })

const onCluster = <A, E>(program: Effect.Effect<A, E, MasterSlaveConnection.MasterSlaveConnection>) =>
  Effect.flatMap(Cluster.Cluster, (cluster) =>
    Effect.provide(program, Layers.MongoLive(cluster.masterUri, cluster.slaveUris))
  )

layer(TestCluster.layer, { excludeTestServices: true })("the examples run on the real cluster", (it) => {
  it.effect("typedCollection: a Schema-typed order with a DateTime.Utc date, over its tzAware layer", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const summary = yield* Effect.provide(
        TypedCollection.program,
        TypedCollection.MongoLive(cluster.masterUri, cluster.slaveUris)
      )
      expect(Option.getOrThrow(summary)).toMatch(/^2 × tea at \d{4}-\d\d-\d\dT/)
    })
  )

  it.effect("typedCollection: without tzAware, the order is written and its read fails naming placedAt", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const withoutTzAware = MasterSlaveConnection.layer().pipe(
        Layer.provide(Master.layer(cluster.masterUri)),
        Layer.provide(Slaves.layer(cluster.slaveUris))
      )
      const again = Effect.gen(function* () {
        const orders = yield* Effect.flatMap(MasterSlaveConnection.database("shop"), (shop) =>
          shop.collection("orders")
        )
        yield* orders.deleteOne({ _id: 7 }) // written by the test above
        return yield* TypedCollection.program
      })
      const error = yield* Effect.flip(Effect.provide(again, withoutTzAware))
      expect(error._tag).toBe("DecodeError")
      expect(error.message).toMatch(/placedAt/)
    })
  )

  it.effect("requestScope: reads inside the request see the write", () =>
    Effect.gen(function* () {
      const cart = yield* onCluster(RequestScope.program)
      expect(Option.getOrThrow(cart)).toMatchObject({ _id: "ada" })
      expect((Option.getOrThrow(cart) as { items: Array<string> }).items).toContain("tea")
    })
  )

  it.effect("configFromEnv: an entry point that takes the whole connection from MSC_* variables", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const { code, output } = yield* runExample("configFromEnv.ts", {
        MSC_MASTER_URI: cluster.masterUri,
        MSC_SLAVE_URIS: cluster.slaveUris.join(",")
      })
      expect(code, output).toBe(0)
      expect(output).toMatch(
        /MasterSlaveConnection\(master\(127\.0\.0\.1:\d+\), \[slave 0.*\]\) holds \d+ database\(s\)/
      )
    })
  )

  it.effect("configFromEnv: without MSC_MASTER_URI, it exits 1 naming the missing variable", () =>
    Effect.gen(function* () {
      const { code, output } = yield* runExample("configFromEnv.ts", {
        MSC_MASTER_URI: undefined,
        MSC_SLAVE_URIS: undefined
      })
      expect(code).toBe(1)
      expect(output).toMatch(/MSC_MASTER_URI/)
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

  it.effect("consistency: a causal scope reads its own write, served by a slave", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const live = Consistency.MongoLive(cluster.masterUri, cluster.slaveUris)
      // the collection exists on every slave (FerretDB 1.x sees one created later only after a refresh)
      yield* Effect.provide(
        Effect.flatMap(MasterSlaveConnection.database("shop"), (shop) =>
          Effect.flatMap(shop.collection("carts"), (carts) =>
            carts.updateOne({ _id: "bob" }, { $set: { items: [] } }, { upsert: true })
          )
        ),
        live
      )
      yield* cluster.waitForReplication()
      const causalReads = (outcome: string) =>
        Effect.map(Metric.snapshot, (pairs) =>
          pairs
            .filter(
              (p) => p.metricKey.name === Metrics.names.causalReads && p.metricKey.tags.some((t) => t.value === outcome)
            )
            .reduce((sum, p) => sum + ((p.metricState as { count?: number }).count ?? 0), 0)
        )
      const before = (yield* causalReads("slave")) + (yield* causalReads("waited"))
      const cart = yield* Effect.provide(Consistency.program, live)
      expect((Option.getOrThrow(cart) as { items: Array<string> }).items).toEqual(["milk"])
      expect((yield* causalReads("slave")) + (yield* causalReads("waited")) - before).toBe(1)
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
