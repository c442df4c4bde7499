import { expect, layer } from "@effect/vitest"
import { Cluster } from "@mongo-master-slave/testkit"
import { Effect, Option, Schema } from "effect"
import { connect, recordCommands, seeded, TestCluster } from "./support.js"

layer(TestCluster.layer, { excludeTestServices: true })("writes on the real cluster", (it) => {
  it.scoped("every kind of write goes to the master and takes effect", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { collection } = yield* seeded(connection, "writes", [{ _id: 1, n: 1 }])
      const sent = yield* recordCommands(connection)
      const mine = { n: 0 }
      const inserted = yield* collection.insertOne(mine)
      // the caller's document is left alone: the driver adds _id to a copy
      expect(mine).toEqual({ n: 0 })
      yield* collection.deleteOne({ _id: inserted.insertedId })
      yield* collection.insertOne({ _id: 2, n: 2 })
      yield* collection.insertMany([
        { _id: 3, n: 3 },
        { _id: 4, n: 4 }
      ])
      expect((yield* collection.updateOne({ _id: 1 }, { $set: { n: 10 } })).modifiedCount).toBe(1)
      expect((yield* collection.updateMany({ _id: { $in: [3, 4] } }, { $inc: { n: 100 } })).modifiedCount).toBe(2)
      expect((yield* collection.replaceOne({ _id: 2 }, { _id: 2, replaced: true })).modifiedCount).toBe(1)
      expect(yield* collection.findOneAndUpdate({ _id: 3 }, { $set: { n: 0 } }, { returnDocument: "after" })).toEqual(
        Option.some({ _id: 3, n: 0 })
      )
      expect(yield* collection.findOneAndReplace({ _id: 4 }, { _id: 4, fresh: 1 })).toEqual(
        Option.some({ _id: 4, n: 104 })
      )
      expect(yield* collection.findOneAndDelete({ _id: 4 })).toEqual(Option.some({ _id: 4, fresh: 1 }))
      expect(yield* collection.findOneAndDelete({ _id: 404 })).toEqual(Option.none())
      const bulk = yield* collection.bulkWrite([
        { insertOne: { document: { _id: 5 } } },
        { updateOne: { filter: { _id: 5 }, update: { $set: { bulk: true } } } },
        { deleteOne: { filter: { _id: 2 } } }
      ])
      expect([bulk.insertedCount, bulk.modifiedCount, bulk.deletedCount]).toEqual([1, 1, 1])
      expect((yield* collection.deleteMany({ n: { $lt: 100 } })).deletedCount).toBe(2)
      const writes = sent.all().filter((s) => ["insert", "update", "delete", "findAndModify"].includes(s.name))
      expect(writes.length).toBeGreaterThanOrEqual(11)
      expect(writes.every((s) => s.node === "master")).toBe(true)
      const left = yield* connection.inRequest(collection.countDocuments())
      expect(left).toBe(1)
    })
  )

  it.scoped("a unique index violation is a WriteError with code 11000, for one write or a batch", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { collection } = yield* seeded(connection, "unique", [])
      expect(yield* collection.createIndex({ email: 1 }, { unique: true })).toBe("email_1")
      yield* collection.insertOne({ email: "ada@example.com" })
      const one = yield* Effect.flip(collection.insertOne({ email: "ada@example.com" }))
      if (one._tag !== "WriteError") throw new Error(`expected a WriteError, got ${one.message}`)
      expect(one.code).toBe(11000)
      expect(one.message).toMatch(/write to t_unique_.*\.items refused, code 11000/)
      const batch = yield* Effect.flip(
        collection.insertMany([{ email: "bob@example.com" }, { email: "ada@example.com" }])
      )
      if (batch._tag !== "WriteError") throw new Error(`expected a WriteError, got ${batch.message}`)
      expect([batch.code, batch.index]).toEqual([11000, 1])
      yield* collection.dropIndex("email_1")
      yield* collection.insertOne({ email: "ada@example.com" })
    })
  )

  it.scoped("createCollection for an existing collection is a typed CollectionExists", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const database = yield* connection.database(TestCluster.uniqueDatabaseName("create"))
      const created = yield* database.createCollection("things")
      expect(created.namespace).toBe(`${database.name}.things`)
      expect(yield* database.listCollectionNames).toEqual(["things"])
      const again = yield* Effect.flip(database.createCollection("things"))
      expect(again._tag).toBe("CollectionExists")
      expect(again.message).toBe(`collection ${database.name}.things already exists`)
      expect(yield* created.drop).toBe(true)
      expect(yield* database.listCollectionNames).toEqual([])
    })
  )

  it.scoped("a document that does not match the collection's schema is an EncodeError, and nothing is written", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const database = yield* connection.database(TestCluster.uniqueDatabaseName("encode"))
      const people = yield* database.collection("people", Schema.Struct({ name: Schema.String, age: Schema.Int }))
      const error = yield* Effect.flip(
        people.insertMany([
          { name: "ada", age: 36 },
          { name: "bob", age: 1.5 }
        ])
      )
      expect(error._tag).toBe("EncodeError")
      expect(error._tag === "EncodeError" && error.path).toEqual([1, "age"])
      expect(yield* connection.inRequest(people.countDocuments())).toBe(0)
    })
  )
})

layer(TestCluster.layer, { excludeTestServices: true })("write concern on the wire", (it) => {
  const writeConcernOfLastInsert = (sent: Effect.Effect.Success<ReturnType<typeof recordCommands>>) =>
    sent.named("insert").at(-1)?.command.writeConcern

  it.scoped("safe, setLastErrorOptions and unsetLastErrorOptions change what inserts send", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { database } = yield* seeded(connection, "wc", [])
      const sent = yield* recordCommands(connection)
      const insert = Effect.flatMap(database.collection("items"), (c) => c.insertOne({ at: Date.now() }))

      expect(yield* connection.safe).toBe(true)
      expect(yield* connection.getLastErrorOptions).toEqual({})
      yield* insert
      expect(writeConcernOfLastInsert(sent)).toBeUndefined()

      yield* connection.setLastErrorOptions({ w: 1, wtimeout: 500, j: true })
      yield* Effect.flatMap(connection.database(database.name), (db) =>
        Effect.flatMap(db.collection("items"), (c) => c.insertOne({ n: 1 }))
      )
      expect(writeConcernOfLastInsert(sent)).toEqual({ w: 1, wtimeout: 500, j: true })

      yield* connection.unsetLastErrorOptions("wtimeout", "j")
      expect(yield* connection.getLastErrorOptions).toEqual({ w: 1 })
      yield* Effect.flatMap(connection.database(database.name), (db) =>
        Effect.flatMap(db.collection("items"), (c) => c.insertOne({ n: 2 }))
      )
      expect(writeConcernOfLastInsert(sent)).toEqual({ w: 1 })

      yield* connection.setSafe(false)
      const unacknowledged = yield* Effect.flatMap(connection.database(database.name), (db) =>
        Effect.flatMap(db.collection("items"), (c) => c.insertOne({ n: 3 }))
      )
      expect(writeConcernOfLastInsert(sent)).toEqual({ w: 0 })
      expect(unacknowledged.acknowledged).toBe(false)

      // unsetting does not bring safe back, as in PyMongo
      yield* connection.unsetLastErrorOptions()
      expect(yield* connection.safe).toBe(false)
      yield* connection.setLastErrorOptions({ fsync: true })
      expect(yield* connection.safe).toBe(true)
      yield* Effect.flatMap(connection.database(database.name), (db) =>
        Effect.flatMap(db.collection("items"), (c) => c.insertOne({ n: 4 }))
      )
      expect(writeConcernOfLastInsert(sent)).toEqual({ j: true })
    })
  )

  it.scoped("databases and collections start from their parent's options and can override them", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      const { database: seededDb } = yield* seeded(connection, "inherit", [])
      const sent = yield* recordCommands(connection)
      yield* connection.setLastErrorOptions({ w: 1 })
      const database = yield* connection.database(seededDb.name)
      expect(yield* database.getLastErrorOptions).toEqual({ w: 1 })
      yield* database.setLastErrorOptions({ wtimeout: 250 })
      const collection = yield* database.collection("items")
      expect(yield* collection.getLastErrorOptions).toEqual({ w: 1, wtimeout: 250 })
      // later changes to a parent do not reach a child made before them
      yield* connection.setSafe(false)
      yield* database.unsetLastErrorOptions()
      yield* collection.insertOne({ n: 1 })
      expect(writeConcernOfLastInsert(sent)).toEqual({ w: 1, wtimeout: 250 })
      yield* collection.setLastErrorOptions({ j: true })
      yield* collection.insertOne({ n: 2 })
      expect(writeConcernOfLastInsert(sent)).toEqual({ w: 1, wtimeout: 250, j: true })
      // a collection made now starts from the database's current options
      const fresh = yield* database.collection("items")
      yield* fresh.insertOne({ n: 3 })
      expect(writeConcernOfLastInsert(sent)).toBeUndefined()
    })
  )

  it.scoped("the initial write concern comes from the master URI", () =>
    Effect.gen(function* () {
      const cluster = yield* Cluster.Cluster
      const uri = `${cluster.masterUri}&w=1&wtimeoutMS=300&journal=true`
      const connection = yield* connect({ masterUri: uri })
      expect(yield* connection.getLastErrorOptions).toEqual({ w: 1, wtimeout: 300, j: true })
      const { collection } = yield* seeded(connection, "uriwc", [])
      const sent = yield* recordCommands(connection)
      yield* collection.insertOne({ n: 1 })
      expect(writeConcernOfLastInsert(sent)).toEqual({ w: 1, wtimeout: 300, j: true })
      // the URI's options are the connection's: unsetting them really removes them from the wire
      yield* collection.unsetLastErrorOptions()
      yield* collection.insertOne({ n: 2 })
      expect(writeConcernOfLastInsert(sent)).toBeUndefined()
    })
  )

  it.scoped("bad options are a typed InvalidOption naming the option, and change nothing", () =>
    Effect.gen(function* () {
      const connection = yield* connect()
      yield* connection.setLastErrorOptions({ w: 2 })
      const negative = yield* Effect.flip(connection.setLastErrorOptions({ w: -1 }))
      expect([negative._tag, negative.option]).toEqual(["InvalidOption", "w"])
      const unknown = yield* Effect.flip(connection.setLastErrorOptions({ wtimeoutMS: 5 } as never))
      expect(unknown.option).toBe("wtimeoutMS")
      expect(yield* connection.getLastErrorOptions).toEqual({ w: 2 })
    })
  )
})
