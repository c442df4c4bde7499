/**
 * The six steps of the demo, each a small program over the connection and
 * the cluster.
 *
 * @since 0.1.0
 */
import { type Collection, type Database, type Document, MasterSlaveConnection } from "@mongo-master-slave/core"
import { Cluster } from "@mongo-master-slave/testkit"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { bold, dim, green, quote, red, say, seconds, step, table } from "./narrate.js"
import { between, served } from "./stats.js"

type Users = Collection.Collection<Document.Document, Document.Document>

const nodes = (connection: MasterSlaveConnection.MasterSlaveConnection) => [
  { tag: "master", label: `master  ${connection.master.address}` },
  ...connection.slaves.map((slave) => ({
    tag: `slave-${slave.connectionId}`,
    label: `slave ${slave.connectionId} ${slave.address}`
  }))
]

const randomId = (count: number) => Math.floor(Math.random() * count)

/** Waits until the connection sees every slave up again. */
const slavesBackUp = Effect.flatMap(MasterSlaveConnection.MasterSlaveConnection, (connection) =>
  connection.slaveStatus.pipe(
    Effect.repeat({ until: (status) => status.every((s) => !s.down), schedule: Schedule.spaced("100 millis") }),
    Effect.timeout("20 seconds")
  )
)

/**
 * 1. Writes go to the master; reads are spread over the slaves.
 *
 * @since 0.1.0
 */
export const routing = (users: Users, count: number) =>
  Effect.gen(function* () {
    const connection = yield* MasterSlaveConnection.MasterSlaveConnection
    yield* step(
      1,
      "Writes go to the master, reads are spread over the slaves",
      "200 reads and 20 writes, then who served what:"
    )
    const before = yield* served
    yield* Effect.forEach(Array.from({ length: 200 }), () => users.findOne({ _id: randomId(count) }), {
      concurrency: 4
    })
    yield* Effect.forEach(Array.from({ length: 20 }), (_, i) => users.updateOne({ _id: i }, { $inc: { visits: 1 } }))
    const after = yield* served
    yield* table(
      ["node", "operations answered"],
      nodes(connection).map((node) => [node.label, between(before, after, node.tag)])
    )
    return { reads: 200 }
  })

/**
 * 2. A slave stops in the middle of a read workload; no read fails.
 *
 * @since 0.1.0
 */
export const failover = (users: Users, count: number) =>
  Effect.gen(function* () {
    const connection = yield* MasterSlaveConnection.MasterSlaveConnection
    const cluster = yield* Cluster.Cluster
    yield* step(2, "Read failover", "600 reads, 4 at a time; slave 0 is stopped after the first 200.")
    const done = yield* Ref.make(0)
    const failed = yield* Ref.make<ReadonlyArray<string>>([])
    const start = yield* served
    const workload = yield* Effect.fork(
      Effect.forEach(
        Array.from({ length: 600 }),
        () =>
          users.findOne({ _id: randomId(count) }).pipe(
            Effect.catchAll((error) => Ref.update(failed, (errors) => [...errors, error.message])),
            Effect.zipRight(Ref.update(done, (n) => n + 1))
          ),
        { concurrency: 4, discard: true }
      )
    )
    yield* Ref.get(done).pipe(Effect.repeat({ until: (n) => n >= 200, schedule: Schedule.spaced("5 millis") }))
    const atStop = yield* served
    yield* cluster.stopSlave(0)
    yield* say(`  ${red("■")} slave 0 stopped after ${yield* Ref.get(done)} reads`)
    yield* workload.await
    const end = yield* served
    yield* table(
      ["node", "before the stop", "after the stop"],
      nodes(connection)
        .filter((node) => node.tag !== "master")
        .map((node) => [node.label, between(start, atStop, node.tag), between(atStop, end, node.tag)])
    )
    const failures = yield* Ref.get(failed)
    yield* failures.length === 0
      ? say(`  ${green("✓")} 0 of 600 reads failed`)
      : say(`  ${red("✗")} ${failures.length} of 600 reads failed; the first with:`, red(quote(failures[0]!)))
    return { failedReads: failures.length }
  })

/**
 * 3. Every slave down: the typed error, quickly.
 *
 * @since 0.1.0
 */
export const allDown = (users: Users) =>
  Effect.gen(function* () {
    const connection = yield* MasterSlaveConnection.MasterSlaveConnection
    const cluster = yield* Cluster.Cluster
    yield* step(
      3,
      "Every slave down",
      `Slave 1 stops too. A read tries each slave for at most ${connection.attemptTimeoutMillis} ms, then fails with a typed error:`
    )
    yield* cluster.stopSlave(1)
    const started = performance.now()
    const error = yield* Effect.flip(users.findOne({ _id: 1 }))
    const took = seconds(started)
    yield* say(`  ${bold(error._tag)} after ${took} (the driver alone would wait 30 s):`, red(quote(error.message)))
    yield* say(dim("  starting both slaves again..."))
    yield* cluster.startSlave(0)
    yield* cluster.startSlave(1)
    yield* cluster.waitForReplication()
    yield* slavesBackUp
    yield* say(`  ${green("✓")} both slaves are back and serving reads`)
    return { tag: error._tag, took }
  })

/**
 * 4. Replication lag: a stale read from the slaves next to a fresh read
 * inside a request.
 *
 * @since 0.1.0
 */
export const lag = (users: Users) =>
  Effect.gen(function* () {
    const connection = yield* MasterSlaveConnection.MasterSlaveConnection
    const cluster = yield* Cluster.Cluster
    yield* step(
      4,
      "Replication lag and read-your-writes",
      "Replication is paused on both slaves, then user 1 is renamed:"
    )
    yield* cluster.pauseReplication(0)
    yield* cluster.pauseReplication(1)
    yield* users.updateOne({ _id: 1 }, { $set: { name: "Ada Lovelace" } })
    const nameOf = (found: Option.Option<Document.Document>) =>
      Option.match(found, { onNone: () => "(none)", onSome: (user) => String(user.name) })
    const fromSlave = nameOf(yield* users.findOne({ _id: 1 }))
    const inRequest = nameOf(yield* Effect.scoped(Effect.zipRight(connection.startRequest, users.findOne({ _id: 1 }))))
    yield* cluster.resumeReplication(0)
    yield* cluster.resumeReplication(1)
    yield* cluster.waitForReplication()
    const caughtUp = nameOf(yield* users.findOne({ _id: 1 }))
    yield* table(
      ["read", "name of user 1"],
      [
        ["from a slave, replication paused", fromSlave],
        ["inside a request (startRequest)", inRequest],
        ["from a slave, after it caught up", caughtUp]
      ]
    )
    return { stale: fromSlave, fresh: inRequest }
  })

/**
 * 5. Write concern: set, read and unset the options; a write rejected with a
 * typed error.
 *
 * @since 0.1.0
 */
export const writeConcern = (database: Database.Database) =>
  Effect.gen(function* () {
    const connection = yield* MasterSlaveConnection.MasterSlaveConnection
    yield* step(5, "Write concern", "The getlasterror options live in a Ref on the connection:")
    const show = (label: string) =>
      Effect.gen(function* () {
        yield* say(
          `  ${label.padEnd(56)} safe=${yield* connection.safe}  options=${JSON.stringify(yield* connection.getLastErrorOptions)}`
        )
      })
    yield* show("at start (from the master URI):")
    yield* connection.setLastErrorOptions({ w: 1, wtimeout: 1000, j: true })
    yield* show("setLastErrorOptions({ w: 1, wtimeout: 1000, j: true })")
    yield* connection.unsetLastErrorOptions("wtimeout")
    yield* show('unsetLastErrorOptions("wtimeout")')
    const invalid = yield* Effect.flip(connection.setLastErrorOptions({ w: -1 }))
    yield* say(`  setLastErrorOptions({ w: -1 }) fails with ${bold(invalid._tag)}: ${invalid.message}`)
    yield* connection.unsetLastErrorOptions()
    yield* show("unsetLastErrorOptions()")
    const accounts = yield* database.collection("accounts")
    yield* accounts.createIndex({ email: 1 }, { unique: true })
    yield* accounts.insertOne({ email: "ada@example.com" })
    const rejected = yield* Effect.flip(accounts.insertOne({ email: "ada@example.com" }))
    yield* say(
      `  a second account with the same email is rejected with ${bold(rejected._tag)}:`,
      red(quote(rejected.message))
    )
    return { rejected: rejected._tag }
  })

/**
 * The documents of step 6: events with a timezone-aware date.
 *
 * @since 0.1.0
 */
export const Event = Schema.Struct({
  _id: Schema.Number,
  title: Schema.String,
  at: Schema.DateTimeUtcFromSelf
})

/**
 * 6. A typed collection with a Schema and `tzAware` dates.
 *
 * @since 0.1.0
 */
export const typedDocuments = (database: Database.Database) =>
  Effect.gen(function* () {
    const cluster = yield* Cluster.Cluster
    yield* step(
      6,
      "Typed documents",
      "A collection decoded through a Schema; the connection is tzAware, so dates are DateTime.Utc:"
    )
    const events = yield* database.collection("events", Event)
    yield* events.insertOne({ _id: 1, title: "Launch", at: DateTime.unsafeMake("2026-11-27T09:30:00Z") })
    // a document written without the schema, that does not match it
    const untyped = yield* database.collection("events")
    yield* untyped.insertOne({ _id: 2, title: 42, at: new Date() })
    yield* cluster.waitForReplication()
    const launch = Option.getOrThrow(yield* events.findOne({ _id: 1 }))
    const tokyo = DateTime.unsafeSetZoneNamed(launch.at, "Asia/Tokyo")
    yield* say(
      `  event 1: ${launch.title}, at ${DateTime.formatIso(launch.at)} (a DateTime.Utc: ${DateTime.isUtc(launch.at)}),`,
      `           which is ${DateTime.formatIsoZoned(tokyo)} in Tokyo`
    )
    const error = yield* Effect.flip(events.findOne({ _id: 2 }))
    yield* say(
      `  event 2 does not match the schema, so reading it fails with ${bold(error._tag)}:`,
      red(quote(error.message))
    )
    return { decoded: launch.title, error: error._tag }
  })
