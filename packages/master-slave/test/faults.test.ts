/**
 * Faults on the real cluster, through the testkit's fault proxy: hanging
 * slaves and masters, dead slaves, stuck clients. Every operation stays
 * within its budget, known-down slaves cost nothing, hedged reads cut the
 * wait for a hanging slave, and a slave that comes back serves again.
 */
import { expect, layer } from "@effect/vitest"
import { Cluster, FaultProxy } from "@mongo-master-slave/testkit"
import { Context, Effect, Exit, Fiber, Layer, Metric, MetricState, Option, Schedule } from "effect"
import { OperationTimeout } from "../src/Errors.js"
import * as Master from "../src/Master.js"
import * as MasterSlaveConnection from "../src/MasterSlaveConnection.js"
import * as Metrics from "../src/Metrics.js"
import * as ReadStrategy from "../src/ReadStrategy.js"
import * as Slaves from "../src/Slaves.js"
import { connect, recordCommands, seeded, settled, TestCluster } from "./support.js"

const items = Array.from({ length: 20 }, (_, i) => ({ _id: i, n: i }))

const untilStatus = (
  connection: MasterSlaveConnection.MasterSlaveConnection,
  test: (statuses: ReadonlyArray<{ readonly down: boolean; readonly slow: boolean }>) => boolean
) =>
  Effect.repeat(Effect.delay(connection.slaveStatus, "20 millis"), { until: test }).pipe(Effect.timeout("20 seconds"))

// the hedges started so far by every connection of this file (Metrics.hedges, over its tags)
const hedgesSoFar = Effect.map(Metric.snapshot, (pairs) => {
  let total = 0
  for (const pair of pairs) {
    if (pair.metricKey.name === Metrics.names.hedges && MetricState.isCounterState(pair.metricState)) {
      total += Number(pair.metricState.count)
    }
  }
  return total
})

/** The collection `seeded` wrote, as another connection sees it. */
const sameCollection = (
  connection: MasterSlaveConnection.MasterSlaveConnection,
  collection: { readonly databaseName: string; readonly name: string }
) => connection.database(collection.databaseName).pipe(Effect.flatMap((d) => d.collection(collection.name)))

/** Slave 0 behind a fault proxy: the proxy, and the slaves to connect to (the proxy, then slave 1). */
const slave0BehindProxy = Effect.gen(function* () {
  const cluster = yield* Cluster.Cluster
  const proxy = yield* FaultProxy.make(FaultProxy.targetOf(cluster.slaveUris[0]!))
  return { proxy, slaveUris: [proxy.uri, cluster.slaveUris[1]!] }
})

const elapsed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const started = performance.now()
    const exit = yield* Effect.exit(effect)
    return { exit, millis: performance.now() - started }
  })

layer(TestCluster.layer, { excludeTestServices: true })("faults on the real cluster", (it) => {
  it.scoped(
    "with every slave known to be down, reads fail at once without trying one, or go straight to the master",
    () =>
      Effect.gen(function* () {
        const cluster = yield* Cluster.Cluster
        const { collection: seededCollection } = yield* seeded(yield* connect(), "all_down", items)
        const strict = yield* connect({ attemptTimeout: "2 seconds" })
        const lenient = yield* connect({ attemptTimeout: "2 seconds", options: { fallbackToMaster: true } })
        const [strictItems, lenientItems] = [
          yield* sameCollection(strict, seededCollection),
          yield* sameCollection(lenient, seededCollection)
        ]
        yield* Effect.addFinalizer(() => Effect.orDie(Effect.all([cluster.startSlave(0), cluster.startSlave(1)])))
        yield* cluster.stopSlave(0)
        yield* cluster.stopSlave(1)
        yield* untilStatus(strict, (statuses) => statuses.every((s) => s.down))
        yield* untilStatus(lenient, (statuses) => statuses.every((s) => s.down))
        const sent = yield* recordCommands(strict)
        for (let i = 0; i < 20; i++) {
          const { exit, millis } = yield* elapsed(strictItems.findOne({ _id: i }))
          if (
            !(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag === "AllSlavesUnavailable")
          ) {
            throw new Error(`expected AllSlavesUnavailable, got ${String(exit)}`)
          }
          expect(exit.cause.error.attempts.map((a) => a._tag === "NodeUnavailable" && a.kind)).toEqual(["down", "down"])
          // nothing was tried: far below one attempt timeout (2 s)
          expect(millis).toBeLessThan(250)
          const answered = yield* elapsed(lenientItems.findOne({ _id: i }))
          expect(answered.exit).toEqual(Exit.succeed(Option.some(items[i])))
          expect(answered.millis).toBeLessThan(1_000)
        }
        expect(sent.named("find")).toEqual([])
      })
  )

  it.scoped(
    "hedged reads: a slave that hangs costs a read the hedge delay, not the attempt timeout, and the abandoned call's connection is closed",
    () =>
      Effect.gen(function* () {
        const { collection: seededCollection } = yield* seeded(yield* connect(), "hedged", items)
        const { proxy, slaveUris } = yield* slave0BehindProxy
        const connection = yield* connect({
          slaveUris,
          attemptTimeout: "3 seconds",
          // checks far apart: the reads, not a probe, are what meet the hanging slave
          healthCheckInterval: "1 minute",
          options: { readStrategy: ReadStrategy.ordered, hedge: { delay: "50 millis" } }
        })
        yield* settled(connection)
        const collection = yield* sameCollection(connection, seededCollection)
        expect(yield* collection.findOne({ _id: 1 })).toEqual(Option.some(items[1]))
        yield* proxy.setMode(FaultProxy.Mode.Blackhole())
        const before = yield* proxy.connections
        const reads = yield* Effect.forEach(
          items.slice(0, 8),
          (item) => elapsed(collection.findOne({ _id: item._id })),
          { concurrency: 8 }
        )
        for (const [i, read] of reads.entries()) {
          expect(read.exit).toEqual(Exit.succeed(Option.some(items[i])))
          // the hedge delay and a read on the other slave, not the 3 s attempt timeout
          expect(read.millis).toBeLessThan(1_500)
        }
        // each abandoned call aborted: its connection to the hanging slave is closed, not left waiting
        // (the prober's own look at the slave, through a fresh client, may hold one until its 3 s attempt ends)
        const after = yield* Effect.repeat(Effect.delay(proxy.connections, "20 millis"), {
          until: (open) => open <= before
        }).pipe(Effect.timeout("6 seconds"))
        expect(after).toBeLessThanOrEqual(before)
        yield* proxy.setMode(FaultProxy.Mode.Pass())
      })
  )

  it.scoped(
    "hedged reads with the budget spent: reads waiting on a slave that begins to hang move on once it is suspect, and new reads try it last",
    () =>
      Effect.gen(function* () {
        const { collection: seededCollection } = yield* seeded(yield* connect(), "suspect", items)
        const { proxy, slaveUris } = yield* slave0BehindProxy
        const connection = yield* connect({
          slaveUris,
          attemptTimeout: "3 seconds",
          healthCheckInterval: "1 minute",
          // a budget of about ten hedges (the burst), whatever the number of reads
          options: { readStrategy: ReadStrategy.ordered, hedge: { maxShare: 0.01 } }
        })
        yield* settled(connection)
        const collection = yield* sameCollection(connection, seededCollection)
        // slave 0's latency percentile, which the hedge delay and suspicion come from
        for (let i = 0; i < 40; i++) yield* collection.findOne({ _id: i % items.length })
        yield* proxy.setMode(FaultProxy.Mode.Blackhole())
        const before = yield* hedgesSoFar
        const reads = yield* Effect.forEach(
          Array.from({ length: 30 }, (_, i) => i % items.length),
          (id) => elapsed(collection.findOne({ _id: id })),
          { concurrency: 30 }
        )
        for (const [i, read] of reads.entries()) {
          expect(read.exit).toEqual(Exit.succeed(Option.some(items[i % items.length])))
          // not the 3 s attempt timeout
          expect(read.millis).toBeLessThan(1_500)
        }
        // far more hedges than the budget allows: away from a suspect slave, a hedge is failover
        expect((yield* hedgesSoFar) - before).toBeGreaterThan(20)
        // and the next read tries slave 0 last: slave 1 answers it, without a hedge
        const status = (yield* connection.slaveStatus)[0]!
        expect(status.slow || status.down).toBe(true)
        const sent = yield* recordCommands(connection)
        expect(yield* collection.findOne({ _id: 3 })).toEqual(Option.some(items[3]))
        expect(sent.named("find").map((s) => s.node)).toEqual(["slave-1"])
        yield* proxy.setMode(FaultProxy.Mode.Pass())
      })
  )

  it.scoped(
    "a slave whose client was replaced is read through the new client, by collections made before the replacement too",
    () =>
      Effect.gen(function* () {
        const { collection: seededCollection } = yield* seeded(yield* connect(), "replaced", items)
        const connection = yield* connect({ options: { readStrategy: ReadStrategy.ordered } })
        yield* settled(connection)
        const collection = yield* sameCollection(connection, seededCollection)
        expect(yield* collection.findOne({ _id: 1 })).toEqual(Option.some(items[1]))
        // what the prober does to a client that stopped talking while its node answers
        // (the old one still works, as it does until the prober closes it: only where the read goes differs)
        const slave = connection.slaves[0]!
        yield* Effect.acquireRelease(
          Effect.sync(() => slave.unsafeReplaceClient(slave.makeClient!())),
          (previous) => Effect.promise(() => previous.close())
        )
        // commands seen on the slave's clients as they are now: the new one
        const sent = yield* recordCommands(connection)
        expect(yield* collection.findOne({ _id: 2 })).toEqual(Option.some(items[2]))
        // slave 0 answered through its new client, not through the handle of the old one
        expect(sent.named("find").map((s) => s.node)).toEqual(["slave-0"])
      })
  )

  it.scoped(
    "a slave that comes back slow (every reply 800 ms late) is not kept down: each call of a probe has its own attempt timeout",
    () =>
      Effect.gen(function* () {
        const cluster = yield* Cluster.Cluster
        yield* seeded(yield* connect(), "slow_comeback", items)
        const { proxy, slaveUris } = yield* slave0BehindProxy
        const connection = yield* connect({
          slaveUris,
          attemptTimeout: "2 seconds",
          healthCheckInterval: "200 millis"
        })
        yield* settled(connection)
        yield* Effect.addFinalizer(() => Effect.orDie(cluster.startSlave(0)))
        yield* cluster.stopSlave(0)
        yield* untilStatus(connection, (statuses) => statuses[0]!.down)
        yield* cluster.startSlave(0)
        yield* proxy.setMode(FaultProxy.Mode.Latency({ millis: 800 }))
        // a fresh client's probe: connecting takes a round trip (800 ms), the look two more
        // (a connection's handshake, the read): 2.4 s in all, more than one attempt timeout,
        // though no call of it takes more than 1.6 s
        const back = yield* elapsed(untilStatus(connection, (statuses) => !statuses[0]!.down))
        expect(Exit.isSuccess(back.exit)).toBe(true)
        yield* proxy.setMode(FaultProxy.Mode.Pass())
      })
  )

  it.scoped("a slave that hung and came back serves reads again within a few probe intervals, time after time", () =>
    Effect.gen(function* () {
      const { collection: seededCollection } = yield* seeded(yield* connect(), "comeback", items)
      const { proxy, slaveUris } = yield* slave0BehindProxy
      const connection = yield* connect({
        slaveUris,
        attemptTimeout: "500 millis",
        healthCheckInterval: "200 millis",
        options: { readStrategy: ReadStrategy.ordered }
      })
      yield* settled(connection)
      const collection = yield* sameCollection(connection, seededCollection)
      const servedBy = (sent: { named: (n: string) => ReadonlyArray<{ node: string }> }) =>
        sent.named("find").map((s) => s.node)
      const backAfter: Array<number> = []
      for (let round = 0; round < 5; round++) {
        yield* proxy.setMode(FaultProxy.Mode.Blackhole())
        // reads keep being answered, by slave 1, while slave 0 hangs
        for (let i = 0; i < 10; i++) {
          expect(yield* collection.findOne({ _id: i })).toEqual(Option.some(items[i]))
          yield* Effect.sleep("150 millis")
        }
        yield* untilStatus(connection, (statuses) => statuses[0]!.down)
        yield* proxy.setMode(FaultProxy.Mode.Pass())
        const released = performance.now()
        // back: the ordered strategy sends reads to slave 0 again
        yield* Effect.gen(function* () {
          const sent = yield* recordCommands(connection)
          yield* collection.findOne({ _id: 0 })
          return servedBy(sent)
        }).pipe(
          Effect.scoped,
          Effect.repeat({ until: (nodes) => nodes.at(-1) === "slave-0", schedule: Schedule.spaced("20 millis") }),
          Effect.timeout("10 seconds")
        )
        backAfter.push(performance.now() - released)
      }
      console.log(`slave 0 served again ${backAfter.map((m) => `${Math.round(m)} ms`).join(", ")} after each release`)
      // a few probe intervals (200 ms), not the driver's own reconnection whenever it comes
      for (const millis of backAfter) expect(millis).toBeLessThan(3_000)
    })
  )

  it.scoped(
    "a master that hangs: every operation fails with OperationTimeout within its budget, and works again once it answers",
    () =>
      Effect.gen(function* () {
        const cluster = yield* Cluster.Cluster
        const proxy = yield* FaultProxy.make(FaultProxy.targetOf(cluster.masterUri))
        const context = yield* Layer.build(
          MasterSlaveConnection.layer({ readTimeout: "2 seconds" }).pipe(
            Layer.provide(
              Master.layer({
                uri: proxy.uri,
                operationTimeout: "1 second",
                // the driver's monitor checks the master during the hang: its failure
                // clears the pool when the master answers again, and the master is
                // selectable again after the monitor's next check (500 ms at most)
                clientOptions: { heartbeatFrequencyMS: 500 }
              })
            ),
            Layer.provide(Slaves.layer({ uris: cluster.slaveUris, attemptTimeout: "1 second" }))
          )
        )
        const connection = Context.get(context, MasterSlaveConnection.MasterSlaveConnection)
        const database = yield* connection.database(TestCluster.uniqueDatabaseName("master_hangs"))
        const collection = yield* database.collection("items")
        yield* collection.insertOne({ _id: 1 })
        yield* proxy.setMode(FaultProxy.Mode.Blackhole())
        const write = yield* elapsed(collection.insertOne({ _id: 2 }))
        const command = yield* elapsed(database.command({ ping: 1 }))
        const inRequest = yield* elapsed(MasterSlaveConnection.inRequest(collection.findOne({ _id: 1 })))
        const outcomes: ReadonlyArray<
          readonly [string, { readonly exit: Exit.Exit<unknown, { readonly _tag: string }>; readonly millis: number }]
        > = [
          ["write", write],
          ["command", command],
          ["read in a request", inRequest]
        ]
        for (const [what, outcome] of outcomes) {
          if (!(Exit.isFailure(outcome.exit) && outcome.exit.cause._tag === "Fail")) {
            throw new Error(`${what}: expected a failure, got ${String(outcome.exit)}`)
          }
          const error = outcome.exit.cause.error
          expect(error._tag).toBe("OperationTimeout")
          if (!(error instanceof OperationTimeout)) continue
          expect(error.budget).toBe("operationTimeout")
          expect(error.message).toMatch(/ran out of its operationTimeout of 1,000 ms/)
          if (what === "write") expect(error.message).toMatch(/may or may not have been applied/)
          // the budget, and a margin for timers on a busy machine: not the driver's 30 s
          expect(outcome.millis).toBeGreaterThanOrEqual(950)
          expect(outcome.millis).toBeLessThan(2_000)
        }
        // the moment it answers again, writes work: none fails (a write the driver
        // gave up before sending it, as it cleared its pool, is sent again) and
        // none is applied twice
        yield* proxy.setMode(FaultProxy.Mode.Pass())
        const ids = Array.from({ length: 40 }, (_, i) => 100 + i)
        const afterwards = yield* Effect.forEach(ids, (_id) => Effect.either(collection.insertOne({ _id })), {
          concurrency: 4
        })
        expect(afterwards.filter((outcome) => outcome._tag === "Left")).toEqual([])
        expect(yield* MasterSlaveConnection.inRequest(collection.countDocuments({ _id: { $gte: 100 } }))).toBe(
          ids.length
        )
      })
  )

  it.scoped(
    "a read sent to a slave as it hangs moves on at its attempt timeout, though the slave answered a call meanwhile",
    () =>
      Effect.gen(function* () {
        const { collection: seededCollection } = yield* seeded(yield* connect(), "hangs_mid_read", items)
        const { proxy, slaveUris } = yield* slave0BehindProxy
        const connection = yield* connect({
          slaveUris,
          attemptTimeout: "2 seconds",
          healthCheckInterval: "1 minute",
          options: { readStrategy: ReadStrategy.ordered, readTimeout: "6 seconds" }
        })
        yield* settled(connection)
        const collection = yield* sameCollection(connection, seededCollection)
        // slave 0's client connected, with connections in its pool
        yield* Effect.forEach([0, 1, 2, 3], (id) => collection.findOne({ _id: id }), { concurrency: 4 })
        // a read whose answer is on its way (held 100 ms) when slave 0 begins to hang: it arrives
        // after the read below has started, so slave 0 "answered since" that read began
        yield* proxy.setMode(FaultProxy.Mode.Latency({ millis: 100 }))
        const early = yield* Effect.fork(collection.findOne({ _id: 1 }))
        yield* Effect.sleep("30 millis")
        yield* proxy.setMode(FaultProxy.Mode.Blackhole())
        const read = yield* Effect.fork(elapsed(collection.findOne({ _id: 2 })))
        expect(yield* Fiber.join(early)).toEqual(Option.some(items[1]))
        // other reads keep coming, as under load, and find slave 0 silent: it stalls (no answer
        // for 250 ms, or ten times its average latency) well before the read's 2-s attempt timeout
        yield* Effect.forkScoped(Effect.forever(Effect.ignore(collection.findOne({ _id: 3 }))))
        const { exit, millis } = yield* Fiber.join(read)
        // slave 1's answer after slave 0's attempt timeout, not an OperationTimeout after the read's 6 s
        expect(exit).toEqual(Exit.succeed(Option.some(items[2])))
        expect(millis).toBeLessThan(5_000)
        yield* proxy.setMode(FaultProxy.Mode.Pass())
      })
  )

  it.scoped("a read whose slaves all hang runs out of its readTimeout, not of every slave's attempt timeout", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const { collection: seededCollection } = yield* seeded(yield* connect(), "read_budget", items)
      const proxies = yield* Effect.all(cluster.slaveUris.map((uri) => FaultProxy.make(FaultProxy.targetOf(uri))))
      const connection = yield* connect({
        slaveUris: proxies.map((proxy) => proxy.uri),
        attemptTimeout: "1 second",
        healthCheckInterval: "1 minute",
        options: { readTimeout: "600 millis" }
      })
      yield* settled(connection)
      const collection = yield* sameCollection(connection, seededCollection)
      yield* Effect.forEach(proxies, (proxy) => proxy.setMode(FaultProxy.Mode.Blackhole()))
      const { exit, millis } = yield* elapsed(collection.findOne({ _id: 1 }))
      if (!(Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error._tag === "OperationTimeout")) {
        throw new Error(`expected OperationTimeout, got ${String(exit)}`)
      }
      expect(exit.cause.error.budget).toBe("readTimeout")
      expect(millis).toBeLessThan(1_500)
      yield* Effect.forEach(proxies, (proxy) => proxy.setMode(FaultProxy.Mode.Pass()))
    })
  )
})
