/**
 * Bounded staleness on the real cluster, with real replication lag: a slave
 * whose standby applies the master's WAL 2 seconds late
 * (`recovery_min_apply_delay`).
 */
import { expect, layer } from "@effect/vitest"
import { Cluster } from "@mongo-master-slave/testkit"
import { Duration, Effect, Fiber, Option } from "effect"
import type { Document } from "mongodb"
import * as Consistency from "../src/Consistency.js"
import type * as MasterSlaveConnection from "../src/MasterSlaveConnection.js"
import { connect, recordCommands, recordingTracer, seeded, TestCluster } from "./support.js"

const clock = () => performance.timeOrigin + performance.now()

/** Waits until a slave's staleness bound satisfies `test`; how long that took, in ms. */
const untilStaleness = (
  connection: MasterSlaveConnection.MasterSlaveConnection,
  slave: number,
  test: (millis: number | undefined) => boolean
) =>
  Effect.gen(function* () {
    const started = performance.now()
    yield* Effect.repeat(Effect.delay(connection.slaveStatus, "5 millis"), {
      until: (statuses) => test(Option.getOrUndefined(statuses[slave]!.stalenessMillis))
    }).pipe(
      Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new Error(`slave ${slave} never got there`) })
    )
    return performance.now() - started
  })

/** `find` commands on a collection, per node, from recorded commands. */
const findsOn = (sent: ReadonlyArray<{ name: string; node: string; command: Document }>, collection: string) => {
  const counts: Record<string, number> = {}
  for (const s of sent) {
    if (s.name === "find" && s.command.find === collection) counts[s.node] = (counts[s.node] ?? 0) + 1
  }
  return counts
}

layer(TestCluster.layer, { excludeTestServices: true })("bounded staleness on the real cluster", (it) => {
  it.scoped(
    "maxStaleness 500 ms, 16 readers for 20 s, one slave 2 s behind: no read misses a write acknowledged more than 500 ms before it, and the delayed slave serves none",
    () =>
      Effect.gen(function* () {
        const cluster = yield* Cluster.Cluster
        const { collection: seededCollection } = yield* seeded(yield* connect(), "bounded", [{ _id: "clock", seq: 0 }])
        const bound = 500
        const connection = yield* connect({ options: { maxStaleness: `${bound} millis`, fallbackToMaster: true } })
        const database = yield* connection.database(seededCollection.databaseName)
        const collection = yield* database.collection(seededCollection.name)
        yield* Effect.addFinalizer(() => Effect.orDie(cluster.setReplicationDelay(1, 0)))
        yield* cluster.setReplicationDelay(1, "2 seconds")
        // from here on slave 1 falls behind; once its bound says so, the run starts (an
        // unknown bound would not do: a heartbeat written before the delay took effect
        // may still show it fresh for a moment)
        yield* untilStaleness(connection, 1, (millis) => millis !== undefined && millis > bound)
        const sent = yield* recordCommands(connection)

        // the writer: the clock's sequence number, and when each was acknowledged
        const acknowledged: Array<number> = [clock()]
        const writer = yield* Effect.fork(
          Effect.gen(function* () {
            for (let seq = 1; ; seq++) {
              yield* collection.updateOne({ _id: "clock" }, { $set: { seq } })
              acknowledged[seq] = clock()
              yield* Effect.sleep("20 millis")
            }
          })
        )
        const runMillis = 20_000
        const ends = clock() + runMillis
        const reads = yield* Effect.forEach(
          Array.from({ length: 16 }),
          () =>
            Effect.gen(function* () {
              const seen: Array<{ readonly startedAt: number; readonly seq: number }> = []
              while (clock() < ends) {
                const startedAt = clock()
                const document = yield* collection.findOne({ _id: "clock" })
                seen.push({ startedAt, seq: Option.getOrThrow(document).seq as number })
              }
              return seen
            }),
          { concurrency: "unbounded" }
        ).pipe(Effect.map((perFiber) => perFiber.flat()))
        yield* Fiber.interrupt(writer)

        // a violation: a read that missed a write acknowledged more than `bound` before it started
        const violations = reads.filter(({ startedAt, seq }) => {
          const next = acknowledged[seq + 1]
          return next !== undefined && next < startedAt - bound
        })
        const counts = findsOn(sent.all(), seededCollection.name)
        console.log(
          `bounded staleness: ${reads.length} reads in ${runMillis / 1000} s, ${violations.length} violations; served by ${JSON.stringify(counts)}; ${acknowledged.length - 1} writes`
        )
        expect(violations).toEqual([])
        expect(reads.length).toBeGreaterThan(1_000)
        expect(counts["slave-1"] ?? 0).toBe(0)
        expect(counts["slave-0"] ?? 0).toBeGreaterThan(reads.length / 2)
      }),
    120_000
  )

  it.scoped(
    "with every slave behind, a bounded read fails at once with every slave listed as too stale, or falls back to the master",
    () =>
      Effect.gen(function* () {
        const cluster = yield* Cluster.Cluster
        const { collection: seededCollection } = yield* seeded(yield* connect(), "all_behind", [{ _id: 1 }])
        const connection = yield* connect({ options: { maxStaleness: "300 millis" } })
        const fallback = yield* connect({ options: { maxStaleness: "300 millis", fallbackToMaster: true } })
        const onEach = (c: MasterSlaveConnection.MasterSlaveConnection) =>
          c.database(seededCollection.databaseName).pipe(Effect.flatMap((d) => d.collection(seededCollection.name)))
        const strict = yield* onEach(connection)
        const lenient = yield* onEach(fallback)
        yield* Effect.addFinalizer(() =>
          Effect.orDie(Effect.all([cluster.setReplicationDelay(0, 0), cluster.setReplicationDelay(1, 0)]))
        )
        // the strict connection's heartbeats must have reached both slaves before they fall
        // behind: the last step reads with a loose bound, which an unknown staleness fails
        yield* untilStaleness(connection, 0, (millis) => millis !== undefined)
        yield* untilStaleness(connection, 1, (millis) => millis !== undefined)
        yield* Effect.all([cluster.setReplicationDelay(0, "3 seconds"), cluster.setReplicationDelay(1, "3 seconds")])
        yield* untilStaleness(connection, 0, (millis) => millis !== undefined && millis > 300)
        yield* untilStaleness(connection, 1, (millis) => millis !== undefined && millis > 300)
        yield* untilStaleness(fallback, 0, (millis) => millis === undefined || millis > 300)
        yield* untilStaleness(fallback, 1, (millis) => millis === undefined || millis > 300)
        const sent = yield* recordCommands(connection)
        const sentFallback = yield* recordCommands(fallback)

        const error = yield* Effect.flip(strict.findOne({ _id: 1 }))
        expect(error._tag).toBe("AllSlavesUnavailable")
        if (error._tag !== "AllSlavesUnavailable") return
        expect(error.attempts.map((attempt) => attempt._tag)).toEqual(["StaleSlave", "StaleSlave"])
        expect(error.message).toMatch(/no slave is fresh enough for the read \(2 too stale\)/)
        // promptly: no slave was even asked
        expect(findsOn(sent.all(), seededCollection.name)).toEqual({})

        expect(yield* lenient.findOne({ _id: 1 })).toEqual(Option.some({ _id: 1 }))
        expect(findsOn(sentFallback.all(), seededCollection.name)).toEqual({ master: 1 })

        // a read that allows more staleness than the slaves have is served by one
        expect(yield* strict.findOne({ _id: 1 }, { maxStaleness: "1 hour" })).toEqual(Option.some({ _id: 1 }))
        expect(Object.keys(findsOn(sent.all(), seededCollection.name))).not.toContain("master")
      })
  )

  it.scoped(
    "a lag that starts and stops is picked up each way: within the bound it grows past, within a probe interval it clears",
    () =>
      Effect.gen(function* () {
        const cluster = yield* Cluster.Cluster
        const bound = 400
        // a quarter of the bound: heartbeats and probes every 100 ms
        const interval = bound / 4
        const connection = yield* connect({ options: { maxStaleness: `${bound} millis` } })
        yield* untilStaleness(connection, 0, (millis) => millis !== undefined && millis < bound)
        yield* Effect.addFinalizer(() => Effect.orDie(cluster.setReplicationDelay(0, 0)))

        const on = clock()
        yield* cluster.setReplicationDelay(0, "2 seconds")
        yield* untilStaleness(connection, 0, (millis) => millis === undefined || millis > bound)
        const stale = clock() - on
        // it stays stale while the delay lasts
        yield* Effect.sleep("1 second")
        const during = Option.getOrUndefined((yield* connection.slaveStatus)[0]!.stalenessMillis)
        expect(during === undefined || during > bound).toBe(true)

        const off = clock()
        yield* cluster.setReplicationDelay(0, 0)
        yield* untilStaleness(connection, 0, (millis) => millis !== undefined && millis < bound)
        const fresh = clock() - off
        console.log(
          `lag picked up: stale ${Math.round(stale)} ms after the delay was set (bound ${bound} ms), fresh again ${Math.round(fresh)} ms after it was lifted (probe interval ${interval} ms)`
        )
        // stale once the newest heartbeat it shows is more than the bound old:
        // at most the bound plus one heartbeat interval after the delay began
        expect(stale).toBeLessThan(bound + interval + Duration.toMillis("1 second"))
        // fresh again at the first probe after the backlog is applied
        expect(fresh).toBeLessThan(2 * interval + Duration.toMillis("1 second"))
      })
  )

  it.scoped(
    "every slave's staleness bound is in slaveStatus, on the span of the read it served, and a slave passed over as too stale is a span event",
    () =>
      Effect.gen(function* () {
        const { collection: seededCollection } = yield* seeded(yield* connect(), "bound_status", [{ _id: 1 }])
        const connection = yield* connect()
        yield* untilStaleness(connection, 0, (millis) => millis !== undefined)
        yield* untilStaleness(connection, 1, (millis) => millis !== undefined)
        const statuses = yield* connection.slaveStatus
        for (const status of statuses) {
          const millis = Option.getOrThrow(status.stalenessMillis)
          expect(millis).toBeGreaterThanOrEqual(0)
          // one heartbeat interval (1 s by default) and a probe interval at most, with room for a loaded machine
          expect(millis).toBeLessThan(5_000)
        }
        const database = yield* connection.database(seededCollection.databaseName)
        const collection = yield* database.collection(seededCollection.name)
        const level = yield* Consistency.withMaxStaleness(Consistency.level, "10 seconds")
        expect(level).toBe("bounded")
        const { tracer, spans } = recordingTracer()
        expect(
          yield* Effect.withTracer(collection.findOne({ _id: 1 }, { maxStaleness: "10 seconds" }), tracer)
        ).toEqual(Option.some({ _id: 1 }))
        expect(spans[0]!.attributes.get("msc.read.consistency")).toBe("bounded")
        expect(spans[0]!.attributes.get("msc.slave.staleness_bound_ms")).toEqual(expect.any(Number))
        // no slave can be 0 ms behind: every one is passed over, as an event each
        const failed = yield* Effect.withTracer(
          Effect.flip(collection.findOne({ _id: 1 }, { maxStaleness: 0 })),
          tracer
        )
        expect(failed._tag).toBe("AllSlavesUnavailable")
        expect(spans[1]!.events.filter((event) => event.name === "stale")).toHaveLength(2)
      })
  )
})
