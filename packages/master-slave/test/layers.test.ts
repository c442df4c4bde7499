import { expect, layer } from "@effect/vitest"
import { Cluster } from "@mongo-master-slave/testkit"
import { ConfigProvider, Effect, Equal, Layer, Option, Schedule } from "effect"
import * as Master from "../src/Master.js"
import * as MasterSlaveConnection from "../src/MasterSlaveConnection.js"
import * as Slaves from "../src/Slaves.js"
import { connect, connectionLayer, recordCommands, seeded, TestCluster } from "./support.js"

const build = <A, E>(layer: Layer.Layer<A, E>) => Effect.scoped(Layer.build(layer))

const configError = <A, E extends { readonly _tag: string; readonly message: string }>(layer: Layer.Layer<A, E>) =>
  Effect.gen(function* () {
    const error = yield* Effect.flip(build(layer))
    expect(error._tag).toBe("ConfigError")
    return error.message
  })

layer(TestCluster.layer, { excludeTestServices: true })("building the layers", (it) => {
  it.effect("bad configuration is a ConfigError that names the offending value", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const [slave0, slave1] = [cluster.slaveUris[0]!, cluster.slaveUris[1]!]
      expect(yield* configError(Slaves.layer([]))).toMatch(/slaves: at least one slave is needed/)
      expect(yield* configError(Slaves.layer([slave0, "http://nowhere"]))).toMatch(
        /slaves\[1\]: "http:\/\/nowhere" is not a valid connection string/
      )
      expect(yield* configError(Slaves.layer([slave0, slave1, slave0]))).toMatch(
        /slaves\[2\]: .* names the same node as slaves\[0\]/
      )
      expect(yield* configError(Slaves.layer({ uris: [slave0], attemptTimeout: "soon" as never }))).toMatch(
        /slaves.attemptTimeout/
      )
      expect(yield* configError(Slaves.layer({ uris: [slave0], attemptTimeout: 0 }))).toMatch(
        /slaves.attemptTimeout: must be a positive/
      )
      // a timer cannot wait longer than 24.8 days: a longer timeout would fire at once
      expect(yield* configError(Slaves.layer({ uris: [slave0], attemptTimeout: "30 days" }))).toMatch(
        /slaves.attemptTimeout: must be at most 24 days/
      )
      expect(yield* configError(Master.layer({ uri: cluster.masterUri, connectTimeout: "30 days" }))).toMatch(
        /master.connectTimeout: must be at most 24 days/
      )
      expect(yield* configError(Master.layer({ uri: cluster.masterUri, operationTimeout: -5 }))).toMatch(
        /master.operationTimeout: expected a duration/
      )
      const withOptions = (options: MasterSlaveConnection.Options) =>
        configError(
          MasterSlaveConnection.layer(options).pipe(
            Layer.provide(Layer.merge(Master.layer(cluster.masterUri), Slaves.layer([slave0])))
          )
        )
      expect(yield* withOptions({ readTimeout: "30 days" })).toMatch(/options.readTimeout: must be at most 24 days/)
      expect(yield* withOptions({ maxStaleness: 0 })).toMatch(/options.maxStaleness: must be a positive/)
      expect(yield* withOptions({ causalWait: "-1 seconds" as never })).toMatch(/options.causalWait/)
      expect(yield* withOptions({ hedge: { maxShare: 2 } })).toMatch(/options.hedge.maxShare/)
      expect(yield* withOptions({ heartbeat: { collection: "a$b" } })).toMatch(/options.heartbeat.collection/)
      expect(yield* configError(Slaves.layer({ uris: [slave0], retries: 3 } as never))).toMatch(
        /slaves.retries: unknown option/
      )
      expect(yield* configError(Master.layer("mongodb://"))).toMatch(/bad configuration of master/)
      expect(
        yield* configError(Master.layer({ uri: cluster.masterUri, clientOptions: { bogusOption: 1 } as never }))
      ).toMatch(/bogusoption is not supported/i)
      expect(yield* configError(Master.layer(`${cluster.masterUri}&wtimeoutMS=soon`))).toMatch(/write concern/)
      expect(
        yield* configError(
          MasterSlaveConnection.layer({ tzAware: true, readStrategyy: "random" } as never).pipe(
            Layer.provide(Layer.merge(Master.layer(cluster.masterUri), Slaves.layer([slave0])))
          )
        )
      ).toMatch(/options.readStrategyy: unknown option/)
      expect(
        yield* configError(
          MasterSlaveConnection.layer().pipe(
            Layer.provide(Layer.merge(Master.layer(cluster.masterUri), Slaves.layer([slave0, cluster.masterUri])))
          )
        )
      ).toMatch(/slaves\[1\]: .* names the master's node/)
    })
  )

  it.effect("an unreachable master fails the layer with ConnectionError after the connect timeout", () =>
    Effect.gen(function* () {
      const started = performance.now()
      const error = yield* Effect.flip(
        build(Master.layer({ uri: "mongodb://127.0.0.1:9/?directConnection=true", connectTimeout: "300 millis" }))
      )
      expect(error._tag).toBe("ConnectionError")
      expect(error.message).toMatch(/cannot use 127.0.0.1:9: the master did not answer within 300 ms/)
      expect(performance.now() - started).toBeLessThan(5_000)
    })
  )

  it.scoped(
    "a slave that is down at start-up does not fail the layer; reads fail over, and it rejoins when it is back",
    () =>
      Effect.gen(function* () {
        const cluster = yield* Cluster.Cluster
        const seededConnection = yield* connect()
        const { database } = yield* seeded(seededConnection, "downatstart", [{ _id: 1 }])
        yield* cluster.stopSlave(1)
        yield* Effect.addFinalizer(() => Effect.orDie(cluster.startSlave(1)))
        const connection = yield* connect({ attemptTimeout: "500 millis" })
        const items = yield* Effect.flatMap(connection.database(database.name), (db) => db.collection("items"))
        const sent = yield* recordCommands(connection)
        for (let i = 0; i < 20; i++) expect(yield* items.findOne({ _id: 1 })).toEqual(Option.some({ _id: 1 }))
        expect(sent.named("find").every((s) => s.node === "slave-0")).toBe(true)
        yield* cluster.startSlave(1)
        // the prober notices, and reads spread over both slaves again
        yield* connection.slaveStatus.pipe(
          Effect.repeat({ until: (status) => !status[1]!.down, schedule: Schedule.spaced("100 millis") }),
          Effect.timeout("10 seconds")
        )
        sent.clear()
        for (let i = 0; i < 40; i++) yield* items.findOne({ _id: 1 })
        expect(sent.named("find").some((s) => s.node === "slave-1")).toBe(true)
      })
  )

  it.scoped("layerConfig reads the master, the slaves and the options from the environment", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const env = ConfigProvider.fromMap(
        new Map([
          ["MSC_MASTER_URI", cluster.masterUri],
          ["MSC_SLAVE_URIS", ` ${cluster.slaveUris.join(" , ")} `],
          ["MSC_ATTEMPT_TIMEOUT", "750 millis"],
          ["MSC_READ_STRATEGY", "round-robin"],
          ["MSC_TZ_AWARE", "true"]
        ])
      )
      const context = yield* Layer.build(MasterSlaveConnection.layerConfig()).pipe(Effect.withConfigProvider(env))
      const connection = context.unsafeMap.get(
        MasterSlaveConnection.MasterSlaveConnection.key
      ) as MasterSlaveConnection.MasterSlaveConnection
      expect(connection.slaves.map((s) => s.address)).toEqual(cluster.slaveUris.map((u) => new URL(u).host))
      expect([connection.attemptTimeoutMillis, connection.readStrategy.name, connection.tzAware]).toEqual([
        750,
        "round-robin",
        true
      ])
      expect(yield* connection.databaseNames).toBeInstanceOf(Array)

      const missing = yield* Effect.flip(
        Layer.build(MasterSlaveConnection.layerConfig()).pipe(
          Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["MSC_MASTER_URI", cluster.masterUri]])))
        )
      )
      expect(missing._tag).toBe("ConfigError")
      expect(missing.message).toMatch(/MSC_SLAVE_URIS/)
    })
  )
})

layer(TestCluster.layer, { excludeTestServices: true })("the connection itself", (it) => {
  it.scoped("databaseNames and dropDatabase run on the master", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { database } = yield* seeded(connection, "names", [{ _id: 1 }])
      const sent = yield* recordCommands(connection)
      expect(yield* connection.databaseNames).toContain(database.name)
      yield* connection.dropDatabase(database)
      expect(yield* connection.databaseNames).not.toContain(database.name)
      expect(sent.all().every((s) => s.node === "master")).toBe(true)
      const invalid = yield* Effect.flip(connection.dropDatabase("no/slashes"))
      expect(invalid._tag).toBe("InvalidName")
      const bad = yield* Effect.flip(connection.database("has space"))
      expect(bad.message).toBe(`invalid database name "has space": a database name cannot contain a space`)
    })
  )

  it.scoped("disconnect closes every node; it is idempotent and later operations fail with ConnectionError", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { collection } = yield* seeded(connection, "disconnect", [{ _id: 1 }])
      yield* connection.disconnect
      yield* connection.disconnect
      const read = yield* Effect.flip(collection.findOne({ _id: 1 }))
      expect(read._tag).toBe("ConnectionError")
      expect(read.message).toMatch(/closed by disconnect/)
      const write = yield* Effect.flip(collection.insertOne({ _id: 2 }))
      expect(write._tag).toBe("ConnectionError")
      // the clients themselves are closed
      const raw = yield* Effect.flip(
        Effect.tryPromise({ try: () => connection.master.client.db("admin").command({ ping: 1 }), catch: (e) => e })
      )
      expect(String(raw)).toMatch(/must be connected|closed/i)
    })
  )

  it.scoped("reads as text and JSON without secrets, and two connections to the same nodes are equal", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const a = yield* connect()
      const b = yield* connect()
      const master = new URL(cluster.masterUri).host
      expect(String(a)).toBe(
        `MasterSlaveConnection(master(${master}), [${cluster.slaveUris.map((u, i) => `slave ${i}(${new URL(u).host})`).join(", ")}])`
      )
      expect(JSON.parse(JSON.stringify(a))).toMatchObject({
        _id: "MasterSlaveConnection",
        master: { role: "master", connectionId: -1 }
      })
      expect(Equal.equals(a, b)).toBe(true)
      const reversed = yield* connect({ slaveUris: [...cluster.slaveUris].reverse() })
      expect(Equal.equals(a, reversed)).toBe(false)
    })
  )
})

layer(TestCluster.layer, { excludeTestServices: true })("connection layers compose", (it) => {
  it.scoped("the connection is a service provided at the edge", () =>
    Effect.gen(function* () {
      const names = yield* MasterSlaveConnection.databaseNames.pipe(Effect.provide(connectionLayer()))
      expect(Array.isArray(names)).toBe(true)
    })
  )
})
