/**
 * The fuzz suite's cases: one public call each, with arguments drawn from
 * `values.ts`, grouped by what they exercise. A case is its call (made
 * inside the harness, which catches a throw at the call) and, for some, a
 * follow-up on its success (draining a cursor, writing with the write
 * concern just set). Every case prints as the code that reproduces it.
 */
import {
  Config,
  ConfigProvider,
  Effect,
  FastCheck as fc,
  Layer,
  Option,
  Redacted,
  Schema,
  type Scope,
  Stream
} from "effect"
import type { Collection } from "../../src/Collection.js"
import * as Consistency from "../../src/Consistency.js"
import type { Database } from "../../src/Database.js"
import * as Doc from "../../src/Document.js"
import * as Master from "../../src/Master.js"
import * as MasterSlaveConnection from "../../src/MasterSlaveConnection.js"
import * as Name from "../../src/Name.js"
import * as ReadStrategy from "../../src/ReadStrategy.js"
import * as Slaves from "../../src/Slaves.js"
import {
  anything,
  args,
  argument,
  deep,
  documentValue,
  durationInput,
  fieldName,
  type Input,
  large,
  lazy,
  plain,
  render,
  scalar
} from "./values.js"

// biome-ignore lint/suspicious/noExplicitAny: the library is called as untyped code calls it
type Untyped = any

/** What every case can use: the connection under test and its fuzz database. */
export interface Context {
  readonly connection: MasterSlaveConnection.MasterSlaveConnection
  /** The fuzz database: `items` (seeded, on every slave) and `w` (written to). */
  readonly database: Database
  readonly items: Collection
  readonly writes: Collection
  /** A name no other test uses, for databases the fuzz may create and drop: `${scratch}_<n>`. */
  readonly scratch: string
  readonly masterUri: string
  readonly slaveUris: ReadonlyArray<string>
}

export interface Case {
  /** The public operation, for the counts. */
  readonly op: string
  /** The call as code: the reproduction. */
  readonly code: string
  /** The call under test: an Effect, a Stream or a Layer — or a throw, which fails the case. */
  readonly call: (ctx: Context) => unknown
  /** What to do with its success (drain a cursor, write with a concern just set, ...). */
  readonly then?: (value: unknown, ctx: Context) => Effect.Effect<unknown, unknown, Scope.Scope>
}

const make = (
  op: string,
  code: string,
  call: (ctx: Context) => unknown,
  then?: (value: unknown, ctx: Context) => Effect.Effect<unknown, unknown, Scope.Scope>
): Case => {
  const made = { op, code, call, ...(then === undefined ? {} : { then }) }
  // fast-check prints a counterexample with this
  Object.defineProperty(made, fc.toStringMethod, { value: () => code, enumerable: false })
  return made
}

const x = (input: Input): Untyped => input.value()

/** An object of inputs as one input. */
const objectOf = (fields: Partial<Record<string, Input>>): Input => {
  const entries = Object.entries(fields).filter((entry): entry is [string, Input] => entry[1] !== undefined)
  return lazy(`{ ${entries.map(([key, input]) => `${JSON.stringify(key)}: ${input.code}`).join(", ")} }`, () =>
    Object.fromEntries(entries.map(([key, input]) => [key, input.value()]))
  )
}

const arrayOf = (items: ReadonlyArray<Input>): Input =>
  lazy(`[${args(items)}]`, () => items.map((item) => item.value()))

/** An object of a few of the given fields (none to four), each from its arbitrary. */
const record = (spec: Record<string, fc.Arbitrary<Input>>, maxKeys = 4): fc.Arbitrary<Input> =>
  fc
    .uniqueArray(fc.constantFrom(...Object.keys(spec)), { maxLength: maxKeys })
    .chain((keys) => fc.record(Object.fromEntries(keys.map((key) => [key, spec[key]!]))))
    .map(objectOf)

const constants = (...values: ReadonlyArray<unknown>) => fc.constantFrom(...values).map(plain)

// -- filters, options, updates, pipelines, documents --

// Query operators with arguments of the types they take: FerretDB 1.24 panics on some of the wrong
// types (e.g. `$mod: 5`: "interface conversion: interface {} is int32, not *types.Array"), and a panic
// later brings its process down. Wrong types the server refuses with an error stay in.
const operatorValue: fc.Arbitrary<Input> = fc.oneof(
  fc
    .tuple(fc.constantFrom("$eq", "$ne", "$gt", "$gte", "$lt", "$lte"), scalar)
    .map(([op, value]) => plain({ [op]: value })),
  fc
    .tuple(fc.constantFrom("$in", "$nin", "$all"), fc.array(scalar, { maxLength: 4 }))
    .map(([op, values]) => plain({ [op]: values })),
  fc.boolean().map((exists) => plain({ $exists: exists })),
  fc
    .constantFrom("string", "number", "double", "array", "object", "null", "bogus", 1, 2, 99)
    .map((type) => plain({ $type: type })),
  fc.nat({ max: 5 }).map((size) => plain({ $size: size })),
  fc.constantFrom("^item", "(", "", "\\d+").map((regex) => plain({ $regex: regex })),
  fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 4 })).map(([d, r]) => plain({ $mod: [d, r] })),
  constants({ $regex: "^a", $options: "i" }, { $elemMatch: { $gt: 1 } }, { $not: { $gt: 1 } }, { $bogus: 1 })
)

const filterDocument: fc.Arbitrary<Input> = fc.letrec((tie) => ({
  filter: fc.oneof(
    { depthSize: "small" },
    {
      arbitrary: fc
        .array(fc.tuple(fieldName, fc.oneof(scalar.map(plain), operatorValue)), { maxLength: 3 })
        .map((fields) => objectOf(Object.fromEntries(fields))),
      weight: 6
    },
    {
      arbitrary: fc
        .tuple(fc.constantFrom("$and", "$or", "$nor"), fc.array(tie("filter"), { maxLength: 3 }))
        .map(([op, filters]) => objectOf({ [op]: arrayOf(filters as ReadonlyArray<Input>) })),
      weight: 1
    },
    {
      arbitrary: constants(
        { $expr: { $gt: ["$n", 1] } },
        { $where: "this.n > 1" },
        { $text: { $search: "x" } },
        { $comment: "fuzz" },
        { _id: { $gt: 3 } },
        {}
      ),
      weight: 1
    }
  )
})).filter as fc.Arbitrary<Input>

/** A filter inside another argument (a bulk write's operation): one the server may get. */
const innerFilter: fc.Arbitrary<Input> = fc.oneof(
  { arbitrary: filterDocument, weight: 10 },
  { arbitrary: anything, weight: 1 }
)

/** A filter: mostly a filter document, sometimes deep, large or not a document at all. */
export const filter: fc.Arbitrary<Input> = fc.oneof(
  { arbitrary: filterDocument, weight: 10 },
  { arbitrary: deep.map((d) => lazy(`{ nested: ${d.code} }`, () => ({ nested: d.value() }))), weight: 1 },
  { arbitrary: deep, weight: 1 },
  { arbitrary: argument, weight: 2 },
  { arbitrary: fc.constant(plain(undefined)), weight: 1 }
)

const sortSpec = fc.oneof(
  constants(
    { n: 1 },
    { n: -1 },
    { n: "asc" },
    { n: "desc" },
    { n: "sideways" },
    { n: 5 },
    { n: { $meta: "textScore" } }
  ),
  constants("n", ["n", 1], [["n", -1]], [], 5, null),
  fc.constant(lazy(`new Map([["n", 1]])`, () => new Map([["n", 1]]))),
  anything
)

const readPreference = fc.oneof(
  constants("primary", "secondary", "secondaryPreferred", "nearest", "primaryPreferred", "bogus", 5, null),
  constants({ mode: "secondary" }, { mode: "nearest", maxStalenessSeconds: 5 }, { mode: "bogus" }, {})
)

const schemaInput: fc.Arbitrary<Input> = fc.oneof(
  { arbitrary: fc.constantFrom(...schemaPool()), weight: 4 },
  { arbitrary: anything, weight: 1 }
)

/** Options a read may get: the driver's, the library's and the ones it refuses. */
const readOptionsRecord = record({
  sort: sortSpec,
  projection: fc.oneof(constants({ n: 1 }, { n: 0, s: 1 }, { _id: 0 }, { n: "x" }, 5, []), deep),
  limit: fc.oneof(fc.integer({ min: -5, max: 50 }).map(plain), anything),
  skip: fc.oneof(fc.integer({ min: -5, max: 50 }).map(plain), anything),
  batchSize: fc.oneof(fc.integer({ min: -2, max: 10 }).map(plain), anything),
  readPreference,
  maxStaleness: durationInput,
  hint: constants("_id_", { _id: 1 }, { nope: 1 }, "nope", 5),
  collation: constants({ locale: "en" }, { locale: "bogus" }, 5, {}),
  comment: anything,
  maxTimeMS: constants(1, 1_000, -1, "x", 0),
  allowDiskUse: anything,
  raw: constants(true, false),
  promoteLongs: constants(false),
  useBigInt64: constants(true),
  explain: constants(true, "queryPlanner", "bogus"),
  let: documentValue.map(plain),
  showRecordId: constants(true),
  schema: schemaInput,
  timeoutMS: constants(100, 0),
  writeConcern: constants({ w: 0 }),
  session: constants({}),
  bogusOption: anything
})

/** A read's options: usually an options object, sometimes not an object at all. */
export const readOptions: fc.Arbitrary<Input> = fc.oneof(
  { arbitrary: readOptionsRecord, weight: 6 },
  { arbitrary: fc.constant(plain(undefined)), weight: 2 },
  { arbitrary: argument, weight: 1 }
)

const writeOptionsRecord = record({
  ordered: anything,
  upsert: constants(true, false, "yes"),
  bypassDocumentValidation: constants(true),
  arrayFilters: constants([{ "x.n": 1 }], [], 5),
  hint: constants("_id_", { nope: 1 }),
  collation: constants({ locale: "en" }, { locale: "bogus" }),
  comment: anything,
  let: documentValue.map(plain),
  forceServerObjectId: constants(true),
  checkKeys: constants(true),
  serializeFunctions: constants(true),
  ignoreUndefined: constants(true),
  returnDocument: constants("after", "before", "bogus"),
  projection: constants({ n: 1 }, 5),
  sort: sortSpec,
  timeoutMS: constants(100),
  writeConcern: constants({ w: 0 }),
  signal: fc.constant(lazy("new AbortController().signal", () => new AbortController().signal)),
  bogusOption: anything
})

export const writeOptions: fc.Arbitrary<Input> = fc.oneof(
  { arbitrary: writeOptionsRecord, weight: 4 },
  { arbitrary: fc.constant(plain(undefined)), weight: 3 },
  { arbitrary: argument, weight: 1 }
)

/** A document inside another argument (a bulk write's operation): one the server may get. */
const innerDocument: fc.Arbitrary<Input> = fc.oneof(
  { arbitrary: documentValue.map(plain), weight: 8 },
  {
    arbitrary: fc.tuple(scalar, documentValue).map(([id, doc]) => plain({ ...doc, _id: id })),
    weight: 2
  },
  { arbitrary: deep, weight: 1 },
  { arbitrary: large, weight: 1 }
)

/** A document to write: mostly plain ones (with an `_id` of any kind now and then), some deep, large or no document. */
export const document: fc.Arbitrary<Input> = fc.oneof(
  { arbitrary: innerDocument, weight: 12 },
  { arbitrary: argument, weight: 1 }
)

const documents: fc.Arbitrary<Input> = fc.oneof(
  { arbitrary: fc.array(document, { maxLength: 4 }).map(arrayOf), weight: 6 },
  {
    arbitrary: fc
      .array(documentValue, { maxLength: 3 })
      .map((docs) => lazy(`new Set(${render(docs)})`, () => new Set(docs.map((doc) => ({ ...doc }))))),
    weight: 1
  },
  { arbitrary: constants("abc", []), weight: 1 },
  { arbitrary: argument, weight: 1 }
)

// Update operators with arguments of the shapes they take (see `operatorValue` on FerretDB and wrong types).
const updateOperation: fc.Arbitrary<readonly [string, Input]> = fc.oneof(
  fc.tuple(fc.constantFrom("$set", "$setOnInsert"), documentValue.map(plain)),
  fc.tuple(
    fc.constant("$unset"),
    fc.array(fieldName, { maxLength: 2 }).map((fields) => plain(Object.fromEntries(fields.map((f) => [f, ""]))))
  ),
  fc.tuple(
    fc.constantFrom("$inc", "$mul"),
    fc.dictionary(fieldName, fc.oneof(fc.integer(), fc.double({ noNaN: true })), { maxKeys: 2 }).map(plain)
  ),
  fc.tuple(
    fc.constantFrom("$min", "$max", "$push", "$bogus"),
    fc.dictionary(fieldName, scalar, { maxKeys: 2 }).map(plain)
  ),
  fc.tuple(fc.constant("$rename"), fc.dictionary(fieldName, fieldName, { maxKeys: 2 }).map(plain)),
  fc.tuple(fc.constant("n"), scalar.map(plain))
)

/** An update inside another argument (a bulk write's operation): one the server may get. */
const innerUpdate: fc.Arbitrary<Input> = fc.oneof(
  {
    arbitrary: fc
      .array(updateOperation, { minLength: 1, maxLength: 2 })
      .map((ops) => objectOf(Object.fromEntries(ops))),
    weight: 6
  },
  { arbitrary: constants([{ $set: { n: 1 } }], [{ $bogus: 1 }], [5], [], { n: 1 }), weight: 2 },
  { arbitrary: deep.map((d) => lazy(`{ $set: ${d.code} }`, () => ({ $set: d.value() }))), weight: 1 }
)

/** An update: operators, a pipeline, a replacement (refused by the driver), deep, or not an update at all. */
export const update: fc.Arbitrary<Input> = fc.oneof(
  { arbitrary: innerUpdate, weight: 9 },
  { arbitrary: argument, weight: 1 }
)

const stage: fc.Arbitrary<Input> = fc.oneof(
  { arbitrary: filterDocument.map((f) => objectOf({ $match: f })), weight: 4 },
  {
    arbitrary: constants(
      { $limit: 3 },
      { $limit: -1 },
      { $skip: 1 },
      { $sort: { n: -1 } },
      { $sort: { n: "sideways" } },
      { $project: { n: 1 } },
      { $group: { _id: "$n", count: { $sum: 1 } } },
      { $count: "n" },
      { $unwind: "$tags" },
      { $addFields: { m: { $add: ["$n", 1] } } },
      { $lookup: { from: "items", localField: "n", foreignField: "n", as: "same" } },
      { $facet: { a: [{ $limit: 1 }] } },
      { $bogus: 1 },
      {},
      { $out: "fuzz_out" },
      { $merge: { into: "fuzz_merge" } }
    ),
    weight: 4
  },
  { arbitrary: argument, weight: 1 }
)

/** A pipeline: an array of stages, sometimes not an array, or not stages. */
export const pipeline: fc.Arbitrary<Input> = fc.oneof(
  { arbitrary: fc.array(stage, { maxLength: 4 }).map(arrayOf), weight: 8 },
  { arbitrary: deep.map((d) => lazy(`[{ $match: ${d.code} }]`, () => [{ $match: d.value() }])), weight: 1 },
  { arbitrary: argument, weight: 1 }
)

// -- schemas --

class Item extends Schema.Class<Item>("Item")({ _id: Schema.Unknown, n: Schema.optional(Schema.Number) }) {}

interface Tree {
  readonly n?: number | undefined
  readonly children?: ReadonlyArray<Tree> | undefined
}
const Tree: Schema.Schema<Tree> = Schema.Struct({
  n: Schema.optional(Schema.Number),
  children: Schema.optional(Schema.Array(Schema.suspend(() => Tree)))
})

/** Schemas a caller may give: for documents, for things that are no document, and one whose code throws. */
function schemaPool(): ReadonlyArray<Input> {
  return [
    lazy("Document.Document", () => Doc.Document),
    lazy("Schema.Struct({ _id: Schema.Unknown, n: Schema.Number })", () =>
      Schema.Struct({ _id: Schema.Unknown, n: Schema.Number })
    ),
    lazy("Item (a Schema.Class)", () => Item),
    lazy("Tree (recursive)", () => Tree),
    lazy("Schema.Struct({ at: Schema.DateTimeUtcFromDate })", () =>
      Schema.Struct({ at: Schema.optional(Schema.DateTimeUtcFromDate) })
    ),
    lazy("Schema.Number", () => Schema.Number),
    lazy("Schema.Array(Schema.Unknown)", () => Schema.Array(Schema.Unknown)),
    lazy("Schema.Never", () => Schema.Never),
    lazy("Schema.Unknown", () => Schema.Unknown),
    lazy("a Schema.transform that throws", () =>
      Schema.transform(Schema.Unknown, Schema.Unknown, {
        strict: true,
        decode: () => {
          throw new Error("fuzz: decode threw")
        },
        encode: () => {
          throw new Error("fuzz: encode threw")
        }
      })
    )
  ]
}

// -- the cases, by group --

/** Reads what a cursor holds (at most 200 documents). */
export const drainCursor = (value: unknown): Effect.Effect<unknown, unknown> =>
  typeof value === "object" && value !== null && "stream" in value
    ? Stream.runDrain(Stream.take((value as { stream: Stream.Stream<unknown, unknown> }).stream, 200))
    : Effect.void

/** Reads on the seeded collection: every read operation, every kind of filter and options. */
export const reads: fc.Arbitrary<Case> = fc.oneof(
  fc
    .tuple(filter, readOptions)
    .map(([f, o]) => make("find", `items.find(${args([f, o])})`, (c) => (c.items as Untyped).find(x(f), x(o)))),
  fc
    .tuple(filter, readOptions)
    .map(([f, o]) =>
      make("findOne", `items.findOne(${args([f, o])})`, (c) => (c.items as Untyped).findOne(x(f), x(o)))
    ),
  fc
    .tuple(filter, readOptions)
    .map(([f, o]) =>
      make(
        "findCursor",
        `items.findCursor(${args([f, o])})`,
        (c) => (c.items as Untyped).findCursor(x(f), x(o)),
        drainCursor
      )
    ),
  fc
    .tuple(filter, readOptions)
    .map(([f, o]) =>
      make("countDocuments", `items.countDocuments(${args([f, o])})`, (c) =>
        (c.items as Untyped).countDocuments(x(f), x(o))
      )
    ),
  readOptions.map((o) =>
    make("estimatedDocumentCount", `items.estimatedDocumentCount(${o.code})`, (c) =>
      (c.items as Untyped).estimatedDocumentCount(x(o))
    )
  ),
  fc
    .tuple(fc.oneof(fieldName.map(plain), argument), filter, readOptions)
    .map(([k, f, o]) =>
      make("distinct", `items.distinct(${args([k, f, o])})`, (c) => (c.items as Untyped).distinct(x(k), x(f), x(o)))
    ),
  fc
    .tuple(pipeline, readOptions)
    .map(([p, o]) =>
      make("aggregate", `items.aggregate(${args([p, o])})`, (c) => (c.items as Untyped).aggregate(x(p), x(o)))
    ),
  fc
    .tuple(pipeline, readOptions)
    .map(([p, o]) =>
      make(
        "aggregateCursor",
        `items.aggregateCursor(${args([p, o])})`,
        (c) => (c.items as Untyped).aggregateCursor(x(p), x(o)),
        drainCursor
      )
    )
)

/** Writes on the written collection: every write operation. */
export const writes: fc.Arbitrary<Case> = fc.oneof(
  fc
    .tuple(document, writeOptions)
    .map(([d, o]) =>
      make("insertOne", `w.insertOne(${args([d, o])})`, (c) => (c.writes as Untyped).insertOne(x(d), x(o)))
    ),
  fc
    .tuple(documents, writeOptions)
    .map(([d, o]) =>
      make("insertMany", `w.insertMany(${args([d, o])})`, (c) => (c.writes as Untyped).insertMany(x(d), x(o)))
    ),
  ...(["updateOne", "updateMany", "findOneAndUpdate"] as const).map((op) =>
    fc
      .tuple(filter, update, writeOptions)
      .map(([f, u, o]) => make(op, `w.${op}(${args([f, u, o])})`, (c) => (c.writes as Untyped)[op](x(f), x(u), x(o))))
  ),
  ...(["replaceOne", "findOneAndReplace"] as const).map((op) =>
    fc
      .tuple(filter, document, writeOptions)
      .map(([f, d, o]) => make(op, `w.${op}(${args([f, d, o])})`, (c) => (c.writes as Untyped)[op](x(f), x(d), x(o))))
  ),
  ...(["deleteOne", "deleteMany", "findOneAndDelete"] as const).map((op) =>
    fc
      .tuple(filter, writeOptions)
      .map(([f, o]) => make(op, `w.${op}(${args([f, o])})`, (c) => (c.writes as Untyped)[op](x(f), x(o))))
  ),
  fc
    .tuple(
      fc.oneof(
        fc
          .array(
            fc.oneof(
              innerDocument.map((d) => objectOf({ insertOne: objectOf({ document: d }) })),
              fc
                .tuple(innerFilter, innerUpdate)
                .map(([f, u]) => objectOf({ updateOne: objectOf({ filter: f, update: u }) })),
              fc
                .tuple(innerFilter, innerDocument)
                .map(([f, d]) => objectOf({ replaceOne: objectOf({ filter: f, replacement: d }) })),
              innerFilter.map((f) => objectOf({ deleteMany: objectOf({ filter: f }) })),
              constants({ bogus: {} }, { insertOne: 5 }, 5)
            ),
            { maxLength: 4 }
          )
          .map(arrayOf),
        argument
      ),
      writeOptions
    )
    .map(([ops, o]) =>
      make("bulkWrite", `w.bulkWrite(${args([ops, o])})`, (c) => (c.writes as Untyped).bulkWrite(x(ops), x(o)))
    ),
  fc
    .tuple(
      fc.oneof(
        constants("n", { n: 1 }, { n: -1 }, { n: "text" }, { n: "bogus" }, [["n", 1]], {}, { "a.b": 1 }, ["n", 1]),
        argument
      ),
      fc.oneof(
        record({
          name: fc.oneof(fc.string({ maxLength: 10 }).map(plain), anything),
          unique: constants(true, "yes"),
          sparse: constants(true),
          expireAfterSeconds: constants(60, -1, "x"),
          partialFilterExpression: filterDocument,
          bogus: anything
        }),
        fc.constant(plain(undefined))
      )
    )
    .map(([i, o]) =>
      make("createIndex", `w.createIndex(${args([i, o])})`, (c) => (c.writes as Untyped).createIndex(x(i), x(o)))
    ),
  fc
    .oneof(constants("n_1", "*", "_id_", "nope", ""), argument)
    .map((n) => make("dropIndex", `w.dropIndex(${n.code})`, (c) => (c.writes as Untyped).dropIndex(x(n)))),
  fc.constant(make("drop", "w.drop", (c) => c.writes.drop))
)

const name = (scratchShare: number): fc.Arbitrary<Input> =>
  fc.oneof(
    {
      arbitrary: fc.integer({ min: 0, max: 5 }).map((n) => lazy(`scratch_${n}`, () => scratchName(n))),
      weight: scratchShare
    },
    {
      arbitrary: constants(
        "",
        "a b",
        "a.b",
        "a/b",
        "a$b",
        "a\u0000b",
        "x".repeat(64),
        "système",
        "system.x",
        "..",
        "a.",
        "$cmd"
      ),
      weight: 3
    },
    { arbitrary: argument, weight: 2 }
  )

// The cluster is shared with every other test: a name that MongoDB would take and is not one of the
// fuzz's scratch databases is not dropped, its scratch database is (the name was arbitrary anyway).
const droppable = (value: unknown): unknown =>
  typeof value === "string" &&
  value.length > 0 &&
  !/[/\\. "$]/.test(value) &&
  !value.includes("\u0000") &&
  Buffer.byteLength(value) < 64 &&
  !value.startsWith(scratchPrefix)
    ? scratchName(5)
    : value

// scratch names are resolved against the context when the case runs
let scratchPrefix = "fuzz_scratch"
const scratchName = (n: number) => `${scratchPrefix}_${n}`
/** Sets the prefix of the databases the fuzz may create and drop (called once the context is known). */
export const useScratch = (prefix: string) => {
  scratchPrefix = prefix
}

const safeCommand: fc.Arbitrary<Input> = fc.oneof(
  {
    arbitrary: constants(
      { ping: 1 },
      { buildInfo: 1 },
      { hello: 1 },
      { listCollections: 1 },
      { dbStats: 1 },
      { count: "items" },
      { collStats: "items" },
      { find: "items", filter: { n: { $gt: 1 } } },
      { find: "items", filter: 5 },
      { create: "made_by_command" },
      { bogusCommand: 1 },
      {}
    ),
    weight: 4
  },
  {
    arbitrary: fc
      .tuple(fc.string({ minLength: 1, maxLength: 12 }), scalar)
      .map(([key, value]) => plain({ [`fuzz${key}`]: value })),
    weight: 1
  },
  { arbitrary: deep, weight: 1 },
  { arbitrary: argument, weight: 1 }
)

/** Names, databases and collections: making, listing, dropping them, and commands. */
export const names: fc.Arbitrary<Case> = fc.oneof(
  name(2).map((n) =>
    make("database", `connection.database(${n.code})`, (c) => (c.connection as Untyped).database(x(n)))
  ),
  name(1).map((n) =>
    make("MasterSlaveConnection.database", `MasterSlaveConnection.database(${n.code})`, (c) =>
      Effect.provideService(
        MasterSlaveConnection.database(x(n)),
        MasterSlaveConnection.MasterSlaveConnection,
        c.connection
      )
    )
  ),
  fc
    .tuple(name(2), fc.oneof(fc.constant(plain(undefined)), schemaInput))
    .map(([n, s]) =>
      make("collection", `database.collection(${args([n, s])})`, (c) =>
        s.value() === undefined
          ? (c.database as Untyped).collection(x(n))
          : (c.database as Untyped).collection(x(n), x(s))
      )
    ),
  fc
    .tuple(
      name(2),
      fc.oneof(
        fc.constant(plain(undefined)),
        record({
          capped: constants(true, "x"),
          size: constants(4096, -1),
          max: constants(10),
          validator: filterDocument,
          validationLevel: constants("strict", "bogus"),
          schema: schemaInput,
          writeConcern: constants({ w: 1 }),
          bogus: anything
        }),
        argument
      )
    )
    .map(([n, o]) =>
      make("createCollection", `scratch.createCollection(${args([n, o])})`, (c) =>
        Effect.flatMap(c.connection.database(scratchName(0)), (scratch) =>
          (scratch as Untyped).createCollection(x(n), x(o))
        )
      )
    ),
  fc
    .oneof(
      name(3),
      fc.integer({ min: 0, max: 5 }).map((n) => lazy(`a Database of scratch_${n}`, () => ({ handleOf: n })))
    )
    .map((n) =>
      make("dropDatabase", `connection.dropDatabase(${n.code})`, (c) => {
        const value = x(n)
        // a handle is made here, from the connection: the call under test is dropDatabase
        if (typeof value === "object" && value !== null && "handleOf" in value) {
          return Effect.flatMap(c.connection.database(scratchName(value.handleOf)), (db) =>
            c.connection.dropDatabase(db)
          )
        }
        return (c.connection as Untyped).dropDatabase(droppable(value))
      })
    ),
  name(1).map((n) =>
    make("MasterSlaveConnection.dropDatabase", `MasterSlaveConnection.dropDatabase(${n.code})`, (c) =>
      Effect.provideService(
        MasterSlaveConnection.dropDatabase(droppable(x(n)) as Untyped),
        MasterSlaveConnection.MasterSlaveConnection,
        c.connection
      )
    )
  ),
  safeCommand.map((body) =>
    make("command", `scratch.command(${body.code})`, (c) =>
      Effect.flatMap(c.connection.database(scratchName(1)), (scratch) => (scratch as Untyped).command(x(body)))
    )
  ),
  fc.constant(make("listCollectionNames", "database.listCollectionNames", (c) => c.database.listCollectionNames)),
  fc.constant(make("databaseNames", "connection.databaseNames", (c) => c.connection.databaseNames)),
  fc
    .integer({ min: 0, max: 5 })
    .map((n) =>
      make("database.drop", `scratch_${n}.drop`, (c) =>
        Effect.flatMap(c.connection.database(scratchName(n)), (scratch) => scratch.drop)
      )
    ),
  argument.map((n) => make("Name.databaseName", `Name.databaseName(${n.code})`, () => Name.databaseName(x(n)))),
  argument.map((n) => make("Name.collectionName", `Name.collectionName(${n.code})`, () => Name.collectionName(x(n))))
)

const lastErrorOptions = fc.oneof(
  {
    arbitrary: record({
      w: fc.oneof(constants(0, 1, 2, 5, -1, 1.5, "majority", "bogusTag", "", " "), anything),
      wtimeout: fc.oneof(constants(0, 100, -1, 1.5, "x"), anything),
      j: fc.oneof(constants(true, false, "yes"), anything),
      fsync: fc.oneof(constants(true, false), anything),
      bogus: anything
    }),
    weight: 5
  },
  { arbitrary: argument, weight: 1 }
)

type Level = "connection" | "database" | "collection"

const controlOf = (c: Context, level: Level): Effect.Effect<Untyped, unknown> =>
  level === "connection"
    ? Effect.succeed(c.connection)
    : level === "database"
      ? c.connection.database(c.database.name)
      : Effect.flatMap(c.connection.database(c.database.name), (db) => db.collection("w"))

// a write through the level's controls; the connection's write concern is put back as it was
const writeThrough = (c: Context, level: Level, control: Untyped): Effect.Effect<unknown, unknown> => {
  const collection: Effect.Effect<Untyped, unknown> =
    level === "collection"
      ? Effect.succeed(control)
      : level === "database"
        ? control.collection("w")
        : Effect.flatMap(c.connection.database(c.database.name), (db) => db.collection("w"))
  // An unacknowledged write (w: 0) is not sent: FerretDB 1.24 answers it all the same, and the pooled
  // connection then reads every later reply one command late. A real MongoDB does not answer.
  const write = Effect.flatMap(collection, (w) =>
    Effect.flatMap(w.state as Effect.Effect<{ safe: boolean; options: { w?: unknown } }>, (state) =>
      !state.safe || state.options.w === 0
        ? Effect.void
        : (w.insertOne({ wc: true }) as Effect.Effect<unknown, unknown>)
    )
  )
  return level === "connection"
    ? Effect.ensuring(
        write,
        Effect.ignore(Effect.zipRight(c.connection.setSafe(true), c.connection.unsetLastErrorOptions()))
      )
    : write
}

/** Write concern: safe and the getlasterror options, at each level, then a write that uses them. */
export const writeConcern: fc.Arbitrary<Case> = fc.oneof(
  fc.tuple(fc.constantFrom<Level>("connection", "database", "collection"), lastErrorOptions).map(([level, o]) =>
    make(
      "setLastErrorOptions",
      `${level}.setLastErrorOptions(${o.code}), then a write`,
      (c) => Effect.flatMap(controlOf(c, level), (control) => Effect.as(control.setLastErrorOptions(x(o)), control)),
      (control, c) => writeThrough(c, level, control)
    )
  ),
  fc
    .tuple(fc.constantFrom<Level>("connection", "database", "collection"), fc.oneof(constants(true, false), argument))
    .map(([level, s]) =>
      make(
        "setSafe",
        `${level}.setSafe(${s.code}), then a write`,
        (c) => Effect.flatMap(controlOf(c, level), (control) => Effect.as(control.setSafe(x(s)), control)),
        (control, c) => writeThrough(c, level, control)
      )
    ),
  fc
    .tuple(
      fc.constantFrom<Level>("connection", "database", "collection"),
      fc.array(fc.oneof(constants("w", "wtimeout", "j", "fsync", "safe", "bogus"), argument), { maxLength: 3 })
    )
    .map(([level, names]) =>
      make(
        "unsetLastErrorOptions",
        `${level}.unsetLastErrorOptions(${args(names)}), then a write`,
        (c) =>
          Effect.flatMap(controlOf(c, level), (control) =>
            Effect.as(control.unsetLastErrorOptions(...names.map((n) => n.value())), control)
          ),
        (control, c) => writeThrough(c, level, control)
      )
    )
)

const cursorRef = fc.oneof(
  {
    arbitrary: record({
      cursorId: fc.oneof(
        constants(0n, 1n, -1n, 2n ** 62n, 2n ** 70n, 5, "5", null),
        fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }).map(plain)
      ),
      connectionId: constants(-1, 0, 1, 2, 3, -2, 1.5, Number.NaN, "0", null, undefined),
      namespace: fc.oneof(
        fc.constant(lazy("the items namespace", () => itemsNamespace)),
        constants("a", "a.", ".b", "a b.c", "admin.$cmd", "admin.x", "", 5)
      )
    }),
    weight: 5
  },
  { arbitrary: argument, weight: 2 }
)

let itemsNamespace = "fuzz.items"
/** Sets the namespace cursor references may name (called once the context is known). */
export const useItemsNamespace = (namespace: string) => {
  itemsNamespace = namespace
}

/** closeCursor with anything, and with the cursors of real reads (then read on from them). */
export const cursors: fc.Arbitrary<Case> = fc.oneof(
  cursorRef.map((ref) =>
    make("closeCursor", `connection.closeCursor(${ref.code})`, (c) => (c.connection as Untyped).closeCursor(x(ref)))
  ),
  cursorRef.map((ref) =>
    make("MasterSlaveConnection.closeCursor", `MasterSlaveConnection.closeCursor(${ref.code})`, (c) =>
      Effect.provideService(
        MasterSlaveConnection.closeCursor(x(ref)),
        MasterSlaveConnection.MasterSlaveConnection,
        c.connection
      )
    )
  ),
  fc
    .tuple(fc.integer({ min: 1, max: 5 }), fc.constantFrom("as it is", "another node", "as a copy"))
    .map(([batchSize, how]) =>
      make(
        "closeCursor",
        `an open cursor (batchSize ${batchSize}) closed ${how}, then read on`,
        (c) => c.items.findCursor({}, { batchSize }),
        (cursor, c) => {
          const open = cursor as { cursorId: bigint; connectionId: number; namespace: string; stream: unknown }
          const ref =
            how === "another node"
              ? { ...open, connectionId: open.connectionId === -1 ? 0 : -1 }
              : how === "as a copy"
                ? { cursorId: open.cursorId, connectionId: open.connectionId, namespace: open.namespace }
                : open
          return Effect.zipRight(c.connection.closeCursor(ref), drainCursor(open))
        }
      )
    )
)

const readOf = (c: Context) => c.items.findOne({ n: { $gte: 0 } })

/** Staleness bounds, causal scopes and requests, with bounds of every kind. */
export const consistency: fc.Arbitrary<Case> = fc.oneof(
  durationInput.map((d) =>
    make("findOne { maxStaleness }", `items.findOne({}, { maxStaleness: ${d.code} })`, (c) =>
      c.items.findOne({}, { maxStaleness: x(d) })
    )
  ),
  durationInput.map((d) =>
    make("Consistency.withMaxStaleness", `Consistency.withMaxStaleness(read, ${d.code})`, (c) =>
      Consistency.withMaxStaleness(readOf(c), x(d))
    )
  ),
  durationInput.map((d) =>
    make("Consistency.withMaxStaleness", `read.pipe(Consistency.withMaxStaleness(${d.code}))`, (c) =>
      readOf(c).pipe(Consistency.withMaxStaleness(x(d)))
    )
  ),
  fc
    .oneof(
      argument,
      fc.constant(lazy("a real position", () => "real")),
      fc.constant(
        lazy("new CausalPosition({ millis: NaN })", () => new Consistency.CausalPosition({ millis: Number.NaN }))
      )
    )
    .map((p) =>
      make("Consistency.causalAfter", `Consistency.causalAfter(read, ${p.code})`, (c) => {
        const position = x(p)
        if (position !== "real") return Consistency.causalAfter(readOf(c), position)
        return Consistency.causal(
          Effect.gen(function* () {
            yield* c.writes.insertOne({ causal: true })
            const at = yield* Consistency.position
            return yield* Consistency.causalAfter(readOf(c), Option.getOrThrow(at))
          })
        )
      })
    ),
  fc.constant(make("inRequest", "connection.inRequest(read)", (c) => c.connection.inRequest(readOf(c)))),
  fc.constant(
    make("startRequest", "startRequest, then a read", (c) =>
      Effect.scoped(Effect.zipRight(c.connection.startRequest, readOf(c)))
    )
  ),
  fc.constant(
    make("Consistency.causal", "Consistency.causal(write, then read)", (c) =>
      Consistency.causal(Effect.zipRight(c.writes.insertOne({ causal: true }), readOf(c)))
    )
  )
)

/** Schemas for collections, for one read, and as the connection's default. */
export const schemas: fc.Arbitrary<Case> = fc.oneof(
  fc
    .tuple(schemaInput, filter)
    .map(([s, f]) =>
      make("collection(name, schema)", `database.collection("items", ${s.code}).findOne(${f.code})`, (c) =>
        Effect.flatMap((c.database as Untyped).collection("items", x(s)), (items: Untyped) => items.findOne(x(f)))
      )
    ),
  fc
    .tuple(schemaInput, document)
    .map(([s, d]) =>
      make("collection(name, schema)", `database.collection("w", ${s.code}).insertOne(${d.code})`, (c) =>
        Effect.flatMap((c.database as Untyped).collection("w", x(s)), (w: Untyped) => w.insertOne(x(d)))
      )
    ),
  schemaInput.map((s) =>
    make("withSchema", `items.withSchema(${s.code}).find()`, (c) => (c.items as Untyped).withSchema(x(s)).find())
  ),
  schemaInput.map((s) =>
    make("findOne { schema }", `items.findOne({}, { schema: ${s.code} })`, (c) =>
      (c.items as Untyped).findOne({}, { schema: x(s) })
    )
  ),
  schemaInput.map((s) =>
    make(
      "setDocumentSchema",
      `connection.setDocumentSchema(${s.code}), then a read`,
      (c) => (c.connection as Untyped).setDocumentSchema(x(s)),
      (_, c) =>
        Effect.flatMap(c.database.collection("items"), (items) => items.findOne({})).pipe(
          Effect.ensuring(c.connection.setDocumentSchema(Doc.Document).pipe(Effect.ignore))
        )
    )
  )
)

// -- layers --

const uriParams = fc.array(
  fc.constantFrom(
    "w=0",
    "w=1",
    "w=majority",
    "w=-1",
    "w=x",
    "wtimeoutMS=100",
    "wtimeoutMS=soon",
    "journal=true",
    "journal=maybe",
    "fsync=true",
    "appName=fuzz",
    "maxPoolSize=2",
    "maxPoolSize=-1",
    "readPreference=bogus",
    "bogusParam=1",
    "tlsCertificateKeyFilePassword=secret",
    "authMechanism=BOGUS"
  ),
  { maxLength: 3 }
)

const withParams = (uri: string, params: ReadonlyArray<string>) =>
  params.length === 0 ? uri : `${uri}${uri.includes("?") ? "&" : "?"}${params.join("&")}`

/** A connection string that fails before connecting, or names the live master with odd parameters. */
const quickUri = (
  live: (c: Context) => string
): fc.Arbitrary<{ readonly code: string; readonly value: (c: Context) => unknown }> =>
  fc.oneof(
    uriParams.map((params) => ({
      code: `withParams(liveUri, ${render(params)})`,
      value: (c: Context) => withParams(live(c), params)
    })),
    fc
      .oneof(
        constants(
          "",
          "mongodb://",
          "http://nowhere",
          "mongodb://a:b:c",
          "mongodb://[::1",
          "mongodb+srv://a:1",
          "not a uri",
          "mongodb://host:99999"
        ),
        anything
      )
      .map((input) => ({ code: input.code, value: () => input.value() })),
    uriParams.map((params) => ({
      code: `Redacted.make(withParams(liveUri, ${render(params)}))`,
      value: (c: Context) => Redacted.make(withParams(live(c), params))
    }))
  )

const quickDuration = fc.oneof(
  constants("200 millis", 200, "1 second", 0, -1, "soon", "30 days", Number.NaN, null),
  fc.constant(plain(undefined))
)

const clientOptions = fc.oneof(
  constants(
    {},
    { monitorCommands: true },
    { bogusOption: 1 },
    { maxPoolSize: -1 },
    { appName: 5 },
    { serverSelectionTimeoutMS: "x" },
    5,
    null
  ),
  fc.constant(plain(undefined))
)

/** Build a layer: on success, one read through the connection it gives, if it gives one. */
export const layers: fc.Arbitrary<Case> = fc.oneof(
  quickUri((c) => c.masterUri).map((u) =>
    make("Master.layer", `Master.layer(${u.code})`, (c) => Master.layer(u.value(c) as Untyped))
  ),
  fc
    .tuple(
      fc.oneof(
        quickUri((c) => c.masterUri),
        fc.constant({
          code: `"mongodb://127.0.0.1:9/?directConnection=true"`,
          value: () => "mongodb://127.0.0.1:9/?directConnection=true"
        })
      ),
      quickDuration,
      fc.oneof(quickDuration, durationInput),
      clientOptions,
      fc.oneof(fc.constant(plain(undefined)), anything)
    )
    .map(([u, connectTimeout, operationTimeout, client, bogus]) =>
      make(
        "Master.layer",
        `Master.layer({ uri: ${u.code}, connectTimeout: ${connectTimeout.code}, operationTimeout: ${operationTimeout.code}, clientOptions: ${client.code}, bogus: ${bogus.code} })`,
        (c) => {
          const uri = u.value(c)
          // a master that does not answer is waited for connectTimeout (10 seconds unless given): keep it short
          const timeout = x(connectTimeout) ?? (String(uri).includes(":9/") ? "200 millis" : undefined)
          return Master.layer(
            Object.fromEntries(
              Object.entries({
                uri,
                connectTimeout: timeout,
                operationTimeout: x(operationTimeout),
                clientOptions: x(client),
                bogus: x(bogus)
              }).filter(([, value]) => value !== undefined)
            ) as Untyped
          )
        }
      )
    ),
  fc
    .tuple(
      fc.array(
        fc.oneof(
          fc
            .integer({ min: 0, max: 1 })
            .map((i) => ({ code: `slaveUris[${i}]`, value: (c: Context) => c.slaveUris[i] })),
          fc.constant({ code: "masterUri", value: (c: Context) => c.masterUri }),
          fc.constant({
            code: "slaveUris[0] as localhost",
            value: (c: Context) => c.slaveUris[0]!.replace("127.0.0.1", "localhost")
          }),
          quickUri((c) => c.slaveUris[0]!)
        ),
        { maxLength: 3 }
      ),
      fc.oneof(quickDuration, durationInput),
      quickDuration,
      clientOptions,
      fc.boolean()
    )
    .map(([uris, attemptTimeout, healthCheckInterval, client, asArray]) =>
      make(
        "Slaves.layer",
        asArray
          ? `Slaves.layer([${uris.map((u) => u.code).join(", ")}])`
          : `Slaves.layer({ uris: [${uris.map((u) => u.code).join(", ")}], attemptTimeout: ${attemptTimeout.code}, healthCheckInterval: ${healthCheckInterval.code}, clientOptions: ${client.code} })`,
        (c) => {
          const values = uris.map((u) => u.value(c))
          if (asArray) return Slaves.layer(values as Untyped)
          return Slaves.layer(
            Object.fromEntries(
              Object.entries({
                uris: values,
                attemptTimeout: x(attemptTimeout),
                healthCheckInterval: x(healthCheckInterval),
                clientOptions: x(client)
              }).filter(([, value]) => value !== undefined)
            ) as Untyped
          )
        }
      )
    ),
  fc
    .oneof(
      record({
        readStrategy: fc.oneof(
          fc.constantFrom(
            lazy("ReadStrategy.random", () => ReadStrategy.random),
            lazy("ReadStrategy.ordered", () => ReadStrategy.ordered),
            lazy("ReadStrategy.roundRobin()", () => ReadStrategy.roundRobin()),
            lazy("ReadStrategy.lowestLatency", () => ReadStrategy.lowestLatency),
            lazy(`ReadStrategy.make("odd", () => Effect.succeed([7, -1, 0, 0, NaN]))`, () =>
              ReadStrategy.make("odd", () => Effect.succeed([7, -1, 0, 0, Number.NaN]))
            ),
            lazy(`ReadStrategy.make("none", () => Effect.succeed("first" as never))`, () =>
              ReadStrategy.make("none", () => Effect.succeed("first" as never))
            ),
            lazy("{ order: 5 }", () => ({ order: 5 }))
          ),
          anything
        ),
        tzAware: fc.oneof(constants(true, false), anything),
        fallbackToMaster: fc.oneof(constants(true, false), anything),
        maxStaleness: durationInput,
        readTimeout: fc.oneof(quickDuration, durationInput),
        causalWait: durationInput,
        hedge: fc.oneof(
          constants(
            true,
            false,
            { delay: "p95" },
            { delay: "5 millis", maxShare: 0.5 },
            { maxShare: 2 },
            { delay: -1 }
          ),
          anything
        ),
        heartbeat: fc.oneof(
          constants(false, { interval: "100 millis" }, { interval: 0 }, { collection: "a$b" }, { database: "a b" }),
          fc.constant(lazy("{ database: scratch_2 }", () => ({ database: scratchName(2), interval: "200 millis" }))),
          anything
        ),
        documentSchema: schemaInput,
        bogus: anything
      }),
      argument
    )
    .map((o) =>
      make("MasterSlaveConnection.layer", `MasterSlaveConnection.layer(${o.code}) over the live nodes`, (c) =>
        MasterSlaveConnection.layer(x(o)).pipe(
          Layer.provide(
            Layer.merge(
              Master.layer({ uri: c.masterUri, connectTimeout: "2 seconds" }),
              Slaves.layer({ uris: c.slaveUris, attemptTimeout: "500 millis" })
            )
          )
        )
      )
    ),
  fc
    .tuple(
      fc.oneof(
        constants("live"),
        constants("", "mongodb://", "not a uri"),
        fc.constant(plain("mongodb://127.0.0.1:9/?directConnection=true"))
      ),
      fc.oneof(
        fc.constantFrom(",", " ", ", ", "\n", " ,\t").map((sep) => plain(sep)),
        constants("none", "garbage")
      ),
      record({
        MSC_ATTEMPT_TIMEOUT: constants("500 millis", "500", "soon", "-1 seconds", "30 days"),
        MSC_READ_STRATEGY: constants("random", "round-robin", "ordered", "lowest-latency", "bogus"),
        MSC_TZ_AWARE: constants("true", "false", "yes"),
        MSC_FALLBACK_TO_MASTER: constants("true", "no"),
        MSC_MAX_STALENESS: constants("500 millis", "0 millis", "x")
      })
    )
    .map(([master, separator, rest]) =>
      make(
        "layerConfig",
        `layerConfig() with MSC_MASTER_URI ${master.code}, MSC_SLAVE_URIS joined by ${separator.code}, ${rest.code}`,
        (c) => {
          const masterValue = x(master)
          const sep = x(separator)
          const env: Record<string, string> = {
            ...(x(rest) as Record<string, string>),
            MSC_CONNECT_TIMEOUT: "300 millis"
          }
          if (masterValue !== undefined) env.MSC_MASTER_URI = masterValue === "live" ? c.masterUri : String(masterValue)
          if (sep !== "none") env.MSC_SLAVE_URIS = sep === "garbage" ? "mongodb://a b c" : c.slaveUris.join(sep)
          return MasterSlaveConnection.layerConfig().pipe(
            Layer.provide(Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))))
          )
        }
      )
    ),
  argument.map((wrap) =>
    make("layerConfig", `layerConfig(${wrap.code})`, () => MasterSlaveConnection.layerConfig(x(wrap)))
  ),
  fc.constant(
    make("layerConfig", "layerConfig({ masterUri: Config.redacted(...), slaveUris: urisConfig(...) })", (c) =>
      MasterSlaveConnection.layerConfig({
        masterUri: Config.succeed(Redacted.make(c.masterUri)),
        slaveUris: Config.succeed(c.slaveUris.map((uri) => Redacted.make(uri))),
        readTimeout: Config.succeed("1 second")
      })
    )
  )
)
