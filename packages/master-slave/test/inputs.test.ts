/**
 * Bad inputs on the real cluster: every one ends as a tagged error that
 * names the bad value — never a defect, never an exception thrown at the
 * call — and the connection works afterwards. Untyped callers are real:
 * plain JavaScript, `any`, values parsed from JSON or HTTP. (The fuzz suite,
 * `fuzz.test.ts`, drives thousands of random ones; these are the cases
 * issue 10 listed, each with what it returns now.)
 */
import { expect, layer } from "@effect/vitest"
import { Cluster } from "@mongo-master-slave/testkit"
import { Cause, Effect, Equal, Exit, Hash, Layer, Option, Schema, Stream } from "effect"
import type { Database } from "../src/Database.js"
import * as Master from "../src/Master.js"
import * as MasterSlaveConnection from "../src/MasterSlaveConnection.js"
import * as Slaves from "../src/Slaves.js"
import { connect, seeded, TestCluster } from "./support.js"

// biome-ignore lint/suspicious/noExplicitAny: the point is calling the API as untyped code does
type Untyped = any

/** The tagged error an effect fails with; anything else (success, defect, a throw at the call) fails the test. */
const failure = (make: () => Effect.Effect<unknown, unknown>) =>
  Effect.gen(function* () {
    let effect: Effect.Effect<unknown, unknown>
    try {
      effect = make()
    } catch (thrown) {
      throw new Error(`threw at the call: ${String(thrown)}`)
    }
    const exit = yield* Effect.exit(Effect.timeout(effect, "10 seconds"))
    if (Exit.isSuccess(exit)) throw new Error(`expected a failure, got ${String(exit.value)}`)
    const error = Cause.failureOption(exit.cause)
    if (Option.isNone(error)) throw new Error(`expected a typed failure, got ${Cause.pretty(exit.cause)}`)
    return error.value as { readonly _tag: string; readonly message: string }
  })

const nested = (depth: number, leaf: unknown = 1): Record<string, unknown> => {
  let value: Record<string, unknown> = { leaf }
  for (let i = 0; i < depth; i++) value = { a: value }
  return value
}

const sanity = (connection: MasterSlaveConnection.MasterSlaveConnection, database: Database) =>
  Effect.gen(function* () {
    const items = yield* database.collection("sanity")
    const _id = `${Date.now()}-${Math.random()}`
    yield* items.insertOne({ _id, ok: true })
    const read = yield* connection.inRequest(items.findOne({ _id }))
    expect(read).toEqual(Option.some({ _id, ok: true }))
  })

layer(TestCluster.layer, { excludeTestServices: true })("bad inputs on the real cluster", (it) => {
  it.scoped("issue 10's table: each input is now a tagged error that names the bad value", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { database, collection } = yield* seeded(connection, "inputs", [{ _id: 1, n: 1 }])
      const items: Untyped = collection
      const untyped: Untyped = connection
      const deep = nested(200_000)

      // a document or a filter nested 200,000 levels deep: type-correct, and refused before the driver
      const many = yield* failure(() => collection.insertMany([{ _id: 2 }, deep]))
      expect([many._tag, many.message]).toEqual([
        "InvalidOption",
        "invalid documents[1]: it is nested more than 200 levels deep; MongoDB refuses BSON nested deeper than 200 levels (and stores documents nested at most 100)"
      ])
      expect((yield* failure(() => collection.insertOne(deep)))._tag).toBe("InvalidOption")
      expect((yield* failure(() => collection.findOne(deep))).message).toMatch(
        /^invalid filter: it is nested more than 200/
      )
      expect((yield* failure(() => collection.updateOne({ _id: 1 }, { $set: deep }))).message).toMatch(
        /^invalid update: it is nested/
      )
      // nothing of the refused batch was written
      expect(yield* connection.inRequest(collection.countDocuments({ _id: 2 }))).toBe(0)

      for (const [input, shown] of [
        [undefined, "undefined"],
        [null, "null"],
        [5, "5"],
        ["cursor", `"cursor"`]
      ] as const) {
        const error = yield* failure(() => untyped.closeCursor(input))
        expect([error._tag, error.message]).toEqual([
          "InvalidOption",
          `invalid cursor: expected { cursorId, connectionId, namespace } (a Cursor will do), got ${shown}`
        ])
      }
      expect((yield* failure(() => untyped.closeCursor({}))).message).toBe(
        "invalid cursorId: expected a positive bigint such as 123n, got undefined"
      )
      expect(
        (yield* failure(() => untyped.closeCursor({ cursorId: 5n, connectionId: -1, namespace: "a b.c" }))).message
      ).toBe(`invalid namespace: a valid database name in "database.collection", got "a b.c"`)

      expect((yield* failure(() => items.findOne({ _id: 1 }, null))).message).toBe(
        "invalid options: expected an object of options, or nothing, got null"
      )
      expect((yield* failure(() => items.find({}, 5).pipe(Stream.runCollect))).message).toBe(
        "invalid options: expected an object of options, or nothing, got 5"
      )

      // what the driver refuses: its message, under the option it is about
      const sideways = yield* failure(() => items.findOne({}, { sort: { n: "sideways" } }))
      expect([sideways._tag, sideways.message]).toEqual([
        "InvalidOption",
        `invalid options.sort: the driver refused them for find on ${collection.namespace}: Invalid sort direction: "sideways"`
      ])
      expect((yield* failure(() => items.find({}, { sort: { n: 5 } }).pipe(Stream.runCollect))).message).toMatch(
        /^invalid options.sort: .*Invalid sort direction: 5/
      )
      expect((yield* failure(() => items.findOne({}, { readPreference: "bogus" }))).message).toMatch(
        /^invalid options.readPreference: .*Invalid read preference mode "bogus"/
      )
      expect((yield* failure(() => items.find({}, { readPreference: "bogus" }).pipe(Stream.runCollect)))._tag).toBe(
        "InvalidOption"
      )

      expect((yield* failure(() => items.aggregate({ $match: {} }).pipe(Stream.runCollect))).message).toBe(
        `invalid pipeline: expected an array of stages such as [{ $match: { a: 1 } }], got {"$match":{}}`
      )
      expect((yield* failure(() => items.aggregate([null]).pipe(Stream.runCollect))).message).toBe(
        "invalid pipeline[0]: expected a stage document such as { $match: {} }, got null"
      )
      expect((yield* failure(() => Effect.scoped(items.aggregateCursor([{ $match: {} }, 5])))).message).toBe(
        "invalid pipeline[1]: expected a stage document such as { $match: {} }, got 5"
      )

      for (const [input, shown] of [
        [null, "null"],
        [undefined, "undefined"],
        [5, "5"]
      ] as const) {
        const error = yield* failure(() => untyped.dropDatabase(input))
        expect([error._tag, error.message]).toEqual([
          "InvalidName",
          `invalid database name ${shown}: expected the name of a database or a Database`
        ])
      }
      yield* sanity(connection, database)
    })
  )

  it.scoped("no function that returns an Effect or a Stream throws at the call, whatever it is given", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { database, collection } = yield* seeded(connection, "nothrow", [])
      const garbage: ReadonlyArray<Untyped> = [undefined, null, 5, "x", [], [null], Symbol("s"), 1n, () => 1]
      const calls: ReadonlyArray<
        [string, (x: Untyped) => Effect.Effect<unknown, unknown> | Stream.Stream<unknown, unknown>]
      > = [
        ["database", (x) => (connection as Untyped).database(x)],
        ["dropDatabase", (x) => (connection as Untyped).dropDatabase(x)],
        ["closeCursor", (x) => (connection as Untyped).closeCursor(x)],
        ["setDocumentSchema", (x) => (connection as Untyped).setDocumentSchema(x)],
        ["setSafe", (x) => (connection as Untyped).setSafe(x)],
        ["setLastErrorOptions", (x) => (connection as Untyped).setLastErrorOptions(x)],
        ["unsetLastErrorOptions", (x) => (connection as Untyped).unsetLastErrorOptions(x)],
        ["collection", (x) => (database as Untyped).collection(x)],
        ["collection schema", (x) => (database as Untyped).collection("c", x)],
        ["createCollection", (x) => (database as Untyped).createCollection("c", x)],
        ["command", (x) => (database as Untyped).command(x)],
        ["find", (x) => (collection as Untyped).find(x, x)],
        ["findCursor", (x) => Effect.scoped((collection as Untyped).findCursor(x, x))],
        ["findOne", (x) => (collection as Untyped).findOne(x, x)],
        ["countDocuments", (x) => (collection as Untyped).countDocuments(x, x)],
        ["estimatedDocumentCount", (x) => (collection as Untyped).estimatedDocumentCount(x)],
        ["distinct", (x) => (collection as Untyped).distinct(x, x, x)],
        ["aggregate", (x) => (collection as Untyped).aggregate(x, x)],
        ["aggregateCursor", (x) => Effect.scoped((collection as Untyped).aggregateCursor(x, x))],
        ["insertOne", (x) => (collection as Untyped).insertOne(x, x)],
        ["insertMany", (x) => (collection as Untyped).insertMany(x, x)],
        ["updateOne", (x) => (collection as Untyped).updateOne(x, x, x)],
        ["updateMany", (x) => (collection as Untyped).updateMany(x, x, x)],
        ["replaceOne", (x) => (collection as Untyped).replaceOne(x, x, x)],
        ["deleteOne", (x) => (collection as Untyped).deleteOne(x, x)],
        ["deleteMany", (x) => (collection as Untyped).deleteMany(x, x)],
        ["findOneAndUpdate", (x) => (collection as Untyped).findOneAndUpdate(x, x, x)],
        ["findOneAndReplace", (x) => (collection as Untyped).findOneAndReplace(x, x, x)],
        ["findOneAndDelete", (x) => (collection as Untyped).findOneAndDelete(x, x)],
        ["bulkWrite", (x) => (collection as Untyped).bulkWrite(x, x)],
        ["createIndex", (x) => (collection as Untyped).createIndex(x, x)],
        ["dropIndex", (x) => (collection as Untyped).dropIndex(x)],
        ["withSchema", (x) => (collection as Untyped).withSchema(x).findOne({})]
      ]
      for (const [name, call] of calls) {
        for (const value of garbage) {
          let made: Effect.Effect<unknown, unknown> | Stream.Stream<unknown, unknown>
          try {
            made = call(value)
          } catch (thrown) {
            throw new Error(`${name}(${String(value)}) threw at the call: ${String(thrown)}`)
          }
          const effect = Stream.StreamTypeId in made ? Stream.runDrain(made as Stream.Stream<unknown, unknown>) : made
          const exit = yield* Effect.exit(Effect.timeout(effect as Effect.Effect<unknown, unknown>, "10 seconds"))
          if (Exit.isFailure(exit) && Option.isNone(Cause.failureOption(exit.cause))) {
            throw new Error(`${name}(${String(value)}) died: ${Cause.pretty(exit.cause)}`)
          }
        }
      }
      yield* sanity(connection, database)
    })
  )

  it.scoped("what the fuzz suite found: batches, replacements for updates, empty batches", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { database, collection } = yield* seeded(connection, "found", [{ _id: 1 }])
      const items: Untyped = collection
      expect((yield* failure(() => items.bulkWrite([{ insertOne: { document: 5 } }]))).message).toBe(
        "invalid operations[0].insertOne.document: expected a document, got 5"
      )
      expect((yield* failure(() => items.bulkWrite([{ deleteOne: {} }]))).message).toBe(
        "invalid operations[0].deleteOne.filter: expected a filter document such as { _id: 1 }, got undefined"
      )
      expect((yield* failure(() => items.bulkWrite([{ bogus: {} }]))).message).toMatch(
        /^invalid operations\[0\]: expected one of insertOne, replaceOne, updateOne, updateMany, deleteOne, deleteMany/
      )
      expect((yield* failure(() => items.bulkWrite([])))._tag).toBe("InvalidOption")
      expect((yield* failure(() => items.insertMany([]))).message).toBe(
        "invalid documents: expected at least one document: MongoDB refuses an empty batch"
      )
      // the driver's own refusals, under the argument they are about
      expect((yield* failure(() => items.updateOne({ _id: 1 }, { n: 1 }))).message).toMatch(
        /^invalid update: the driver refused them for update on .*: Update document requires atomic operators/
      )
      expect((yield* failure(() => items.findOne({ "a\u0000b": 1 })))._tag).toBe("InvalidOption")
      // options the driver takes one by one, but not together: refused as it reads the documents
      const contradictory = { promoteLongs: false, useBigInt64: true }
      expect((yield* failure(() => items.find({}, contradictory).pipe(Stream.runCollect))).message).toMatch(
        /^invalid arguments: the driver refused them for find on .*: Must either request bigint or Long/
      )
      yield* sanity(connection, database)
    })
  )

  it.scoped("options the library manages are refused, saying what to use instead", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { collection } = yield* seeded(connection, "managed", [{ _id: 1 }])
      const items: Untyped = collection
      const timeout = yield* failure(() => items.findOne({ _id: 1 }, { timeoutMS: 100 }))
      expect([timeout._tag, timeout.message]).toEqual([
        "InvalidOption",
        `invalid options.timeoutMS: not supported: operations are bounded by the connection's budgets (readTimeout, operationTimeout, attemptTimeout) and by Effect.timeout around the operation, not by the driver's timeoutMS (see "Bounding an operation" in the README)`
      ])
      expect((yield* failure(() => items.insertOne({ _id: 2 }, { timeoutMS: 100 }))).message).toMatch(
        /^invalid options.timeoutMS/
      )
      expect((yield* failure(() => items.deleteMany({}, { writeConcern: { w: 0 } }))).message).toMatch(
        /^invalid options.writeConcern: not supported: the write concern is the collection's: set it with setLastErrorOptions/
      )
      expect((yield* failure(() => items.findOne({}, { signal: new AbortController().signal }))).message).toMatch(
        /^invalid options.signal: not supported: interrupt the operation's fiber/
      )
      // nothing was deleted
      expect(yield* connection.inRequest(collection.countDocuments())).toBe(1)
    })
  )

  it.scoped("setDocumentSchema takes what collection(name, schema) takes, a Schema.Class included", () =>
    Effect.gen(function* () {
      class Item extends Schema.Class<Item>("Item")({ _id: Schema.Number, n: Schema.Number }) {}
      const connection = yield* connect()
      const { database } = yield* seeded(connection, "schemaclass", [{ _id: 1, n: 1 }])
      // the type of setDocumentSchema used to refuse a class: this line compiles now
      yield* connection.setDocumentSchema(Item)
      const items = yield* database.collection("items")
      const found = yield* connection.inRequest(items.findOne({ _id: 1 }))
      expect(Option.getOrThrow(found)).toBeInstanceOf(Item)
      const explicit = yield* database.collection("items", Item)
      expect(yield* connection.inRequest(explicit.findOne({ _id: 1 }))).toEqual(found)
      const bad = yield* failure(() => (connection as Untyped).setDocumentSchema({ fields: {} }))
      expect(bad.message).toBe(`invalid schema: expected a Schema to decode documents with, got {"fields":{}}`)
      expect((yield* failure(() => (database as Untyped).collection("items", 5)))._tag).toBe("InvalidOption")
      expect((yield* failure(() => (items as Untyped).withSchema("User").findOne({})))._tag).toBe("InvalidOption")
      expect((yield* failure(() => (items as Untyped).findOne({}, { schema: { Type: "User" } }))).message).toMatch(
        /^invalid options.schema: expected a Schema/
      )
    })
  )

  it.scoped("two handles of the same database are Equal and hash alike, as connections do", () =>
    Effect.gen(function* () {
      const a = yield* connect()
      const b = yield* connect()
      const [one, two, other] = [yield* a.database("shop"), yield* b.database("shop"), yield* a.database("other")]
      expect(Equal.equals(one, two)).toBe(true)
      expect(Hash.hash(one)).toBe(Hash.hash(two))
      expect(Equal.equals(one, other)).toBe(false)
      expect(String(one)).toBe("Database(shop)")
      expect(JSON.parse(JSON.stringify(one))).toEqual({ _id: "Database", name: "shop" })
      // each keeps its own write concern all the same
      yield* one.setSafe(false)
      expect([yield* one.safe, yield* two.safe]).toEqual([false, true])
    })
  )

  it.scoped("setSafe takes a boolean, and a write concern or a staleness bound is checked", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const untyped: Untyped = connection
      expect((yield* failure(() => untyped.setSafe("no"))).message).toBe(
        `invalid safe: expected true or false, got "no"`
      )
      expect(yield* connection.safe).toBe(true)
      expect((yield* failure(() => untyped.setLastErrorOptions(null)))._tag).toBe("InvalidOption")
      expect((yield* failure(() => untyped.unsetLastErrorOptions(5)))._tag).toBe("InvalidOption")
      // a layer's option nested too deep for the schema's report of it
      const cluster = yield* Cluster.Cluster
      const deepOption = yield* Effect.flip(
        Effect.scoped(
          Layer.build(
            MasterSlaveConnection.layer({ hedge: nested(10_000) } as never).pipe(
              Layer.provide(Layer.merge(Master.layer(cluster.masterUri), Slaves.layer(cluster.slaveUris)))
            )
          )
        )
      )
      expect(deepOption.message).toMatch(/^bad configuration of options: it is nested more than 200 levels deep/)
      const { collection } = yield* seeded(connection, "staleness", [{ _id: 1 }])
      for (const bad of [null, -1, "-5 millis", -5n, "soon", Number.NaN]) {
        const error = yield* failure(() => (collection as Untyped).findOne({}, { maxStaleness: bad }))
        expect(error.message).toMatch(/^invalid maxStaleness: /)
      }
    })
  )
})
