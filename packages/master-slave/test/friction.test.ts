/**
 * What a newcomer trips over, on the real cluster: each was found by trying
 * the library as a new user (issue 10), and each is fixed here.
 */
import { expect, layer } from "@effect/vitest"
import { Cluster, FaultProxy } from "@mongo-master-slave/testkit"
import { Config, ConfigProvider, Effect, Exit, Layer, Redacted, Schema } from "effect"
import type { WriteFailure } from "../src/Errors.js"
import * as Master from "../src/Master.js"
import * as MasterSlaveConnection from "../src/MasterSlaveConnection.js"
import * as ReadStrategy from "../src/ReadStrategy.js"
import * as Slaves from "../src/Slaves.js"
import { connect, seeded, TestCluster } from "./support.js"

const fromEnv = (variables: Record<string, string>) =>
  Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(variables))))

/** The connection a configuration layer builds, for the test's scope. */
const built = <E>(layer: Layer.Layer<MasterSlaveConnection.MasterSlaveConnection, E>) =>
  Layer.build(layer).pipe(
    Effect.map(
      (context) =>
        context.unsafeMap.get(
          MasterSlaveConnection.MasterSlaveConnection.key
        ) as MasterSlaveConnection.MasterSlaveConnection
    )
  )

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

  it.scoped(
    "MSC_SLAVE_URIS may separate its URIs by commas, spaces, newlines or both; never one slave of them all",
    () =>
      Effect.gen(function* () {
        const cluster = yield* Cluster.Cluster
        const [a, b] = [cluster.slaveUris[0]!, cluster.slaveUris[1]!]
        const hosts = [a, b].map((uri) => new URL(uri).host)
        for (const separated of [`${a},${b}`, `${a} ${b}`, ` ${a}\n\t${b} `, `${a} , ${b},`]) {
          const connection = yield* built(MasterSlaveConnection.layerConfig()).pipe(
            fromEnv({ MSC_MASTER_URI: cluster.masterUri, MSC_SLAVE_URIS: separated })
          )
          expect(connection.slaves.map((slave) => slave.address)).toEqual(hosts)
        }
        const error = yield* Effect.flip(
          built(MasterSlaveConnection.layerConfig()).pipe(
            fromEnv({ MSC_MASTER_URI: cluster.masterUri, MSC_SLAVE_URIS: `${a}/ extra` })
          )
        )
        expect(error.message).toMatch(
          /^bad configuration of MSC_SLAVE_URIS: a part has a space inside .*: separate the URIs with commas or spaces/
        )
      })
  )

  it.scoped("MSC_ATTEMPT_TIMEOUT=500 is refused saying the format: a duration with its unit", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const error = yield* Effect.flip(
        built(MasterSlaveConnection.layerConfig()).pipe(
          fromEnv({
            MSC_MASTER_URI: cluster.masterUri,
            MSC_SLAVE_URIS: cluster.slaveUris.join(","),
            MSC_ATTEMPT_TIMEOUT: "500",
            MSC_MAX_STALENESS: "soon"
          })
        )
      )
      expect(error._tag).toBe("ConfigError")
      expect(error.message).toBe(
        `bad configuration of MSC_ATTEMPT_TIMEOUT, MSC_MAX_STALENESS: expected a duration with its unit, such as "500 millis" or "2 seconds", got "500"; expected a duration with its unit, such as "500 millis" or "2 seconds", got "soon"`
      )
      const connection = yield* built(MasterSlaveConnection.layerConfig()).pipe(
        fromEnv({
          MSC_MASTER_URI: cluster.masterUri,
          MSC_SLAVE_URIS: cluster.slaveUris.join(","),
          MSC_ATTEMPT_TIMEOUT: "500 millis"
        })
      )
      expect(connection.attemptTimeoutMillis).toBe(500)
    })
  )

  it.scoped("layerConfig takes a Config.Wrap of its options, as @effect/sql's clients do; the URIs stay Redacted", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      class Item extends Schema.Class<Item>("Item")({ _id: Schema.Number }) {}
      const connection = yield* built(
        MasterSlaveConnection.layerConfig({
          masterUri: Config.redacted("SHOP_DB_MASTER"),
          slaveUris: MasterSlaveConnection.urisConfig("SHOP_DB_SLAVES"),
          attemptTimeout: Config.succeed("750 millis"),
          readStrategy: Config.succeed(ReadStrategy.ordered),
          documentSchema: Config.succeed(Item)
        })
      ).pipe(fromEnv({ SHOP_DB_MASTER: cluster.masterUri, SHOP_DB_SLAVES: cluster.slaveUris.join(" ") }))
      expect([connection.attemptTimeoutMillis, connection.readStrategy.name]).toEqual([750, "ordered"])
      expect(yield* connection.documentSchema).toBe(Item)

      // the ready-made configuration of the MSC_* variables, with what the environment cannot carry
      const settings = yield* MasterSlaveConnection.configFromEnv.pipe(
        fromEnv({ MSC_MASTER_URI: "mongodb://ada:s3cret@db0:27017", MSC_SLAVE_URIS: "mongodb://ada:s3cret@db1:27017" })
      )
      expect(Redacted.isRedacted(settings.masterUri)).toBe(true)
      expect(JSON.stringify(settings)).not.toContain("s3cret")
      expect(String(settings.slaveUris)).not.toContain("s3cret")
      const withSchema = yield* built(
        MasterSlaveConnection.layerConfig(
          Config.map(MasterSlaveConnection.configFromEnv, (options) => ({ ...options, documentSchema: Item }))
        )
      ).pipe(fromEnv({ MSC_MASTER_URI: cluster.masterUri, MSC_SLAVE_URIS: cluster.slaveUris.join(",") }))
      expect(yield* withSchema.documentSchema).toBe(Item)

      // a plain value where a Config belongs, as untyped code may pass it
      const plain = yield* Effect.flip(
        built(MasterSlaveConnection.layerConfig({ masterUri: cluster.masterUri } as never))
      )
      expect(plain.message).toMatch(/^bad configuration of masterUri: expected a Config \(such as Config.redacted/)
      // a setting that is not an option
      const unknown = yield* Effect.flip(
        built(
          MasterSlaveConnection.layerConfig({
            masterUri: Config.succeed(Redacted.make(cluster.masterUri)),
            slaveUris: Config.succeed(cluster.slaveUris.map((uri) => Redacted.make(uri))),
            retries: Config.succeed(3)
          } as never)
        )
      )
      expect(unknown.message).toMatch(/options.retries: unknown option/)
      // a bad URI, reported without its secrets
      const master = new URL(cluster.masterUri).host
      const secret = yield* Effect.flip(
        built(MasterSlaveConnection.layerConfig()).pipe(
          fromEnv({
            MSC_MASTER_URI: cluster.masterUri,
            MSC_SLAVE_URIS: `mongodb://ada:s3cret@${master}/?directConnection=true&proxyHost=p&proxyUsername=pu&proxyPassword=pp`
          })
        )
      )
      expect(secret._tag).toBe("ConfigError")
      expect(secret.message).toMatch(/names the master's node/)
      expect(secret.message).not.toMatch(/s3cret|=pp/)
    })
  )

  it.scoped("a batch write the master never answered is NodeUnavailable, not a WriteError with code 0", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const proxy = yield* FaultProxy.make(FaultProxy.targetOf(cluster.masterUri))
      const connection = yield* built(
        MasterSlaveConnection.layer({ heartbeat: false }).pipe(
          Layer.provide(
            Layer.merge(
              Master.layer({ uri: proxy.uri, operationTimeout: "2 seconds" }),
              Slaves.layer(cluster.slaveUris)
            )
          )
        )
      )
      const items = yield* Effect.flatMap(connection.database(TestCluster.uniqueDatabaseName("reset")), (db) =>
        db.collection("items")
      )
      yield* items.insertOne({ n: 0 })
      yield* proxy.setMode(FaultProxy.Mode.Reset())
      const writes: ReadonlyArray<Effect.Effect<unknown, WriteFailure>> = [
        items.bulkWrite([{ insertOne: { document: { n: 1 } } }]),
        items.insertMany([{ n: 2 }, { n: 3 }])
      ]
      for (const write of writes) {
        const error = yield* Effect.flip(write)
        expect(error._tag).toBe("NodeUnavailable")
        expect(error._tag === "NodeUnavailable" && error.kind).toBe("reset")
      }
    })
  )
})
