/**
 * Causal reads on the real cluster: reads see the writes of their scope, and
 * are served by slaves that have applied them — not by the master.
 */
import { expect, layer } from "@effect/vitest"
import { Cluster } from "@mongo-master-slave/testkit"
import { Effect, Option } from "effect"
import type { Document } from "mongodb"
import * as Consistency from "../src/Consistency.js"
import * as MasterSlaveConnection from "../src/MasterSlaveConnection.js"
import { connect, recordCommands, seeded, TestCluster } from "./support.js"

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

/** `find` commands on a collection, per node. */
const findsOn = (sent: ReadonlyArray<{ name: string; node: string; command: Document }>, collection: string) => {
  const counts: Record<string, number> = {}
  for (const s of sent) {
    if (s.name === "find" && s.command.find === collection) counts[s.node] = (counts[s.node] ?? 0) + 1
  }
  return counts
}

layer(TestCluster.layer, { excludeTestServices: true })("causal reads on the real cluster", (it) => {
  it.scoped(
    "10,000 write-then-read pairs in causal scopes over 16 fibers, one slave 2 s behind: every read sees its write, and at least 90% come from a slave",
    () =>
      Effect.gen(function* () {
        const cluster = yield* Cluster.Cluster
        const fibers = 16
        const pairs = 10_000
        const { collection: seededCollection } = yield* seeded(
          yield* connect(),
          "causal",
          Array.from({ length: fibers }, (_, i) => ({ _id: i, v: 0 }))
        )
        const connection = yield* connect()
        const database = yield* connection.database(seededCollection.databaseName)
        const collection = yield* database.collection(seededCollection.name)
        yield* Effect.addFinalizer(() => Effect.orDie(cluster.setReplicationDelay(1, 0)))
        yield* cluster.setReplicationDelay(1, "2 seconds")

        // plain slave reads first, for the latency a causal read is compared with
        const plain = yield* Effect.forEach(
          Array.from({ length: fibers }),
          (_, i) =>
            Effect.forEach(Array.from({ length: 100 }), () => {
              const started = performance.now()
              return Effect.as(collection.findOne({ _id: i }), performance.now() - started).pipe(
                Effect.map(() => performance.now() - started)
              )
            }),
          { concurrency: "unbounded" }
        ).pipe(Effect.map((all) => all.flat().sort((a, b) => a - b)))

        const sent = yield* recordCommands(connection)
        const results = yield* Effect.forEach(
          Array.from({ length: fibers }),
          (_, i) =>
            Effect.gen(function* () {
              const violations: Array<string> = []
              const latencies: Array<number> = []
              for (let k = 1; k <= pairs / fibers; k++) {
                yield* MasterSlaveConnection.causal(
                  Effect.gen(function* () {
                    yield* collection.updateOne({ _id: i }, { $set: { v: k } })
                    const started = performance.now()
                    const found = yield* collection.findOne({ _id: i })
                    latencies.push(performance.now() - started)
                    const v = Option.getOrUndefined(found)?.v
                    if (v !== k) violations.push(`fiber ${i} wrote ${k}, read ${String(v)}`)
                  })
                )
              }
              return { violations, latencies }
            }),
          { concurrency: "unbounded" }
        )
        const violations = results.flatMap((r) => r.violations)
        const causal = results.flatMap((r) => r.latencies).sort((a, b) => a - b)
        const counts = findsOn(sent.all(), seededCollection.name)
        const fromSlaves = (counts["slave-0"] ?? 0) + (counts["slave-1"] ?? 0)
        const share = fromSlaves / pairs
        console.log(
          `causal reads: ${pairs} pairs, ${violations.length} read-your-writes violations; served by ${JSON.stringify(counts)} (${(share * 100).toFixed(1)}% off the master); ` +
            `read p50/p99 ${percentile(causal, 50).toFixed(2)}/${percentile(causal, 99).toFixed(2)} ms against a plain slave read's ${percentile(plain, 50).toFixed(2)}/${percentile(plain, 99).toFixed(2)} ms`
        )
        expect(violations).toEqual([])
        expect(counts["slave-1"] ?? 0).toBe(0)
        expect(share).toBeGreaterThanOrEqual(0.9)
      }),
    300_000
  )

  it.scoped("a position carried to another fiber makes its reads see the writes it covers", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const { collection: seededCollection } = yield* seeded(yield* connect(), "carried", [{ _id: 1, v: 0 }])
      const connection = yield* connect()
      const database = yield* connection.database(seededCollection.databaseName)
      const collection = yield* database.collection(seededCollection.name)
      yield* Effect.addFinalizer(() => Effect.orDie(cluster.setReplicationDelay(1, 0)))
      yield* cluster.setReplicationDelay(1, "2 seconds")
      for (let v = 1; v <= 20; v++) {
        const position = yield* Consistency.causal(
          Effect.zipRight(collection.updateOne({ _id: 1 }, { $set: { v } }), Consistency.position)
        )
        // another fiber, with nothing but the position
        const read = yield* Effect.fork(
          Consistency.causalAfter(collection.findOne({ _id: 1 }), Option.getOrThrow(position))
        ).pipe(Effect.flatMap((fiber) => fiber.await))
        expect(read._tag === "Success" && Option.getOrUndefined(read.value)?.v).toBe(v)
      }
    })
  )

  it.scoped("with every slave further behind than a causal read may wait, it goes to the master at once", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const { collection: seededCollection } = yield* seeded(yield* connect(), "causal_behind", [{ _id: 1, v: 0 }])
      const connection = yield* connect({ options: { causalWait: "1 second" } })
      const database = yield* connection.database(seededCollection.databaseName)
      const collection = yield* database.collection(seededCollection.name)
      yield* Effect.addFinalizer(() =>
        Effect.orDie(Effect.all([cluster.setReplicationDelay(0, 0), cluster.setReplicationDelay(1, 0)]))
      )
      yield* Effect.all([cluster.setReplicationDelay(0, "10 seconds"), cluster.setReplicationDelay(1, "10 seconds")])
      // long enough for the probes to see both slaves more than the wait behind
      yield* Effect.sleep("2500 millis")
      const sent = yield* recordCommands(connection)
      const started = performance.now()
      const read = yield* MasterSlaveConnection.causal(
        Effect.zipRight(collection.updateOne({ _id: 1 }, { $set: { v: 1 } }), collection.findOne({ _id: 1 }))
      )
      const elapsed = performance.now() - started
      expect(Option.getOrUndefined(read)?.v).toBe(1)
      expect(findsOn(sent.all(), seededCollection.name)).toEqual({ master: 1 })
      // it did not wait out its second: no slave could have caught up within it
      expect(elapsed).toBeLessThan(1_000)
    })
  )
})
