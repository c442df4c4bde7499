import { expect, layer } from "@effect/vitest"
import { Chunk, DateTime, Effect, Option, Schema, Stream } from "effect"
import { connect, seeded, TestCluster } from "./support.js"

const Event = Schema.Struct({ _id: Schema.Number, title: Schema.String, at: Schema.DateFromSelf })
const TzEvent = Schema.Struct({ _id: Schema.Number, title: Schema.String, at: Schema.DateTimeUtcFromSelf })
const when = new Date("2025-06-01T10:30:00.000Z")

layer(TestCluster.layer, { excludeTestServices: true })("documents on the real cluster", (it) => {
  it.scoped("a typed collection writes and reads its schema's type, dates as Date by default", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { database } = yield* seeded(connection, "typed", [{ seed: true }])
      const events = yield* database.collection("items", Event)
      yield* events.insertOne({ _id: 1, title: "launch", at: when })
      const found = yield* connection.inRequest(events.findOne({ _id: 1 }))
      expect(found).toEqual(Option.some({ _id: 1, title: "launch", at: when }))
      expect(Option.getOrThrow(found).at).toBeInstanceOf(Date)
    })
  )

  it.scoped("with tzAware, dates decode as DateTime.Utc, and DateTime values are stored as dates", () =>
    Effect.gen(function* () {
      const connection = yield* connect({ options: { tzAware: true } })
      expect(connection.tzAware).toBe(true)
      const { database } = yield* seeded(connection, "tzaware", [{ seed: true }])
      const events = yield* database.collection("items", TzEvent)
      yield* events.insertOne({ _id: 1, title: "launch", at: DateTime.unsafeMake(when) })
      const found = Option.getOrThrow(yield* connection.inRequest(events.findOne({ _id: 1 })))
      expect(DateTime.isUtc(found.at)).toBe(true)
      expect(DateTime.toEpochMillis(found.at)).toBe(when.getTime())
      // stored as a BSON date: the raw driver sees a Date
      const raw = yield* Effect.promise(() =>
        connection.master.client
          .db(database.name)
          .collection("items")
          .findOne({ _id: 1 as never })
      )
      expect(raw?.at).toEqual(when)
    })
  )

  it.scoped("a stored document that does not match the schema is a DecodeError naming the field", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { database } = yield* seeded(connection, "decode", [
        { _id: 1, title: "ok", at: when },
        { _id: 2, title: 42, at: when }
      ])
      const events = yield* database.collection("items", Event)
      expect(yield* events.findOne({ _id: 1 })).toEqual(Option.some({ _id: 1, title: "ok", at: when }))
      const error = yield* Effect.flip(events.findOne({ _id: 2 }))
      if (error._tag !== "DecodeError") throw new Error(`expected a DecodeError, got ${error.message}`)
      expect(error.path).toEqual(["title"])
      expect(error.message).toMatch(/does not match its schema at field title/)
      // in a stream too, and the error fails the read at once: it would fail on every slave
      const streamed = yield* Effect.flip(Stream.runCollect(events.find({}, { sort: { _id: 1 } })))
      expect(streamed._tag).toBe("DecodeError")
    })
  )

  it.scoped("a schema can be given to one call, or to the collection with withSchema", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { collection } = yield* seeded(connection, "percall", [{ _id: 1, title: "one", at: when, extra: "x" }])
      const Title = Schema.Struct({ title: Schema.String })
      expect(yield* collection.findOne({ _id: 1 }, { schema: Title })).toEqual(Option.some({ title: "one" }))
      expect(Chunk.toReadonlyArray(yield* Stream.runCollect(collection.find({}, { schema: Title })))).toEqual([
        { title: "one" }
      ])
      const typed = collection.withSchema(Event)
      expect(yield* typed.findOne({ _id: 1 })).toEqual(Option.some({ _id: 1, title: "one", at: when }))
      // the untyped collection still sees the whole document
      expect(yield* collection.findOne({ _id: 1 })).toEqual(Option.some({ _id: 1, title: "one", at: when, extra: "x" }))
    })
  )

  it.scoped("the connection's default document schema applies to collections made after it is set", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { database } = yield* seeded(connection, "default", [{ _id: 1, title: "one", at: when, extra: "x" }])
      const before = yield* database.collection("items")
      const Loose = Schema.Struct({ _id: Schema.Number, title: Schema.String })
      yield* connection.setDocumentSchema(Loose)
      const after = yield* database.collection("items")
      expect(yield* after.findOne({ _id: 1 })).toEqual(Option.some({ _id: 1, title: "one" }))
      expect(yield* before.findOne({ _id: 1 })).toEqual(Option.some({ _id: 1, title: "one", at: when, extra: "x" }))
    })
  )
})
