import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type {
  Collection as DriverCollection,
  Document as DriverDocument,
  MongoClient,
  WriteConcernSettings
} from "mongodb"
import type { Collection } from "../Collection.js"
import * as Doc from "../Document.js"
import { type AllSlavesUnavailable, type DecodeError, EncodeError, InvalidOption } from "../Errors.js"
import type { Node } from "../Node.js"
import * as WriteConcern from "../WriteConcern.js"
import * as Cursor from "./cursor.js"
import { collectionOperations, type ReadCallError, readCall, writeCall } from "./driver.js"
import { stalenessMillis } from "./options.js"
import type { ReadOptions, Router } from "./router.js"
import * as Validate from "./validate.js"

/** What every collection of a connection shares. */
export interface Context {
  readonly router: Router
  readonly tzAware: boolean
}

// Options this library manages are dropped from what callers pass, whatever
// their static type let through; the call's abort signal and write concern
// are the library's.
const driverOptions = (
  options: object | undefined,
  signal: AbortSignal,
  writeConcern?: WriteConcernSettings | undefined
): Record<string, unknown> => {
  if (options === undefined) return writeConcern === undefined ? { signal } : { signal, writeConcern }
  const {
    schema: _schema,
    writeConcern: _wc,
    session: _session,
    signal: _signal,
    timeoutMS: _t,
    maxStaleness: _maxStaleness,
    ...rest
  } = options as Record<string, unknown>
  rest.signal = signal
  if (writeConcern !== undefined) rest.writeConcern = writeConcern
  return rest
}

// A read's own staleness bound, for the router; InvalidOption when it is not a duration.
const routerOptions = (options: object | undefined): ReadOptions | undefined | InvalidOption => {
  const maxStaleness = (options as { readonly maxStaleness?: unknown } | undefined)?.maxStaleness
  if (maxStaleness === undefined) return undefined
  const millis = stalenessMillis("maxStaleness", maxStaleness)
  return typeof millis === "number" ? { maxStalenessMillis: millis } : millis
}

// a filter or update may hold DateTime values: they are written as BSON dates
const toDriver = (value: unknown): DriverDocument => Doc.dateTimesToDates(value) as DriverDocument

// What was encoded, then `f`: at once rather than in a step of its own, as
// every operation runs behind its check's suspension (`Validate.guardCollection`).
const encodedThen = <D, B, E>(
  encoded: Either.Either<D, EncodeError>,
  f: (encoded: D) => Effect.Effect<B, E>
): Effect.Effect<B, E | EncodeError> => (Either.isLeft(encoded) ? Effect.fail(encoded.left) : f(encoded.right))

const writesToCollection = (pipeline: ReadonlyArray<object>): boolean =>
  pipeline.some((stage) => "$out" in stage || "$merge" in stage)

export const make = <A, I>(
  context: Context,
  databaseName: string,
  name: string,
  schema: Doc.DocumentSchema<A, I>,
  writeConcernRef: Ref.Ref<WriteConcern.State>
): Collection<A, I> => {
  const { router, tzAware } = context
  const namespace = `${databaseName}.${name}`
  const operationOf = collectionOperations(databaseName, name)
  // by client, not by node: a slave's client is replaced when it stops talking,
  // and a handle of the old one would send every read to a client being closed
  const handles = new WeakMap<MongoClient, DriverCollection<DriverDocument>>()
  const handle = (node: Node) => {
    const client = node.client
    let collection = handles.get(client)
    if (collection === undefined) {
      collection = client.db(databaseName).collection(name)
      handles.set(client, collection)
    }
    return collection
  }
  const control = WriteConcern.controlOf(writeConcernRef)
  const schemaOf = (options: object | undefined) =>
    ((options as { schema?: Doc.DocumentSchema<unknown, unknown> } | undefined)?.schema ??
      schema) as Doc.DocumentSchema<unknown, unknown>
  const decodeWith = (chosen: Doc.DocumentSchema<unknown, unknown>) => (raw: unknown) =>
    Doc.decode(chosen, namespace, tzAware, raw)
  const decodeDefault = decodeWith(schema as Doc.DocumentSchema<unknown, unknown>)
  const decoder = (options: object | undefined) =>
    (options as { schema?: unknown } | undefined)?.schema === undefined ? decodeDefault : decodeWith(schemaOf(options))
  const encodeOne = (document: A) => Doc.encode(schema, namespace, document)
  const encodeMany = (documents: Iterable<A>): Either.Either<Array<Record<string, unknown>>, EncodeError> => {
    const out: Array<Record<string, unknown>> = []
    let index = 0
    for (const document of documents) {
      const encoded = encodeOne(document)
      if (Either.isLeft(encoded)) {
        return Either.left(new EncodeError({ ...encoded.left, path: [index, ...encoded.left.path] }))
      }
      out.push(encoded.right)
      index++
    }
    return Either.right(out)
  }

  // a read interrupted (a hedge that lost, a caller's timeout) may go on this
  // long: if it answers, its connection is kept rather than closed
  const interruptedReadLingerMillis = 100

  const read = <R>(
    operationName: string,
    options: object | undefined,
    f: (collection: DriverCollection<DriverDocument>, driverOptions: Record<string, unknown>) => Promise<R>
  ): Effect.Effect<R, ReadCallError | AllSlavesUnavailable | InvalidOption> => {
    const operation = operationOf(operationName, false)
    const readOptions = routerOptions(options)
    if (readOptions instanceof InvalidOption) return Effect.fail(readOptions)
    return router.read(
      operation,
      (node, deadline) =>
        readCall(node, operation, (signal) => f(handle(node), driverOptions(options, signal)), {
          deadline,
          lingerMillis: interruptedReadLingerMillis
        }),
      readOptions
    )
  }

  /** A write on the master; `f` gets the driver options: the caller's, the signal and the write concern. */
  const write = <R>(
    operationName: string,
    options: object | undefined,
    f: (collection: DriverCollection<DriverDocument>, driverOptions: Record<string, unknown>) => Promise<R>
  ) => {
    const operation = operationOf(operationName, true)
    return Effect.flatMap(control.state, (state) => {
      const writeConcern = WriteConcern.toDriver(state)
      return router.onMaster(operation, (node, deadline) =>
        writeCall(node, operation, (signal) => f(handle(node), driverOptions(options, signal, writeConcern)), deadline)
      )
    })
  }

  const decodeFound =
    <B>(decode: (raw: unknown) => Either.Either<B, DecodeError>) =>
    (raw: unknown): Effect.Effect<Option.Option<B>, DecodeError> => {
      if (raw === null || raw === undefined) return Effect.succeed(Option.none<B>())
      const decoded = decode(raw)
      return Either.isRight(decoded) ? Effect.succeed(Option.some(decoded.right)) : Effect.fail(decoded.left)
    }
  const decodeFoundDefault = decodeFound(decodeDefault)

  const findCursor = (filter?: object, options?: object) => {
    const operation = operationOf("find", false)
    const readOptions = routerOptions(options)
    if (readOptions instanceof InvalidOption) return Effect.fail(readOptions)
    return Cursor.open({
      router,
      operation,
      onMaster: false,
      readOptions,
      create: (node, signal) => handle(node).find(toDriver(filter ?? {}), driverOptions(options, signal)),
      decode: decoder(options)
    })
  }

  const aggregateCursor = (pipeline: ReadonlyArray<DriverDocument>, options?: object) =>
    Effect.flatMap(control.state, (state) => {
      const readOptions = routerOptions(options)
      if (readOptions instanceof InvalidOption) return Effect.fail(readOptions)
      const onMaster = writesToCollection(pipeline)
      const writeConcern = onMaster ? WriteConcern.toDriver(state) : undefined
      return Cursor.open({
        router,
        operation: operationOf("aggregate", onMaster),
        onMaster,
        readOptions,
        create: (node, signal) =>
          handle(node).aggregate(
            toDriver([...pipeline]) as unknown as Array<DriverDocument>,
            driverOptions(options, signal, writeConcern)
          ),
        decode: decoder(options)
      })
    })

  const findOneAnd = (
    operationName: string,
    f: (collection: DriverCollection<DriverDocument>, options: Record<string, unknown>) => Promise<unknown>,
    options?: object
  ) =>
    write(operationName, options, (collection, driverOptions) => {
      driverOptions.includeResultMetadata = false
      return f(collection, driverOptions)
    }).pipe(Effect.flatMap(decodeFound(decoder(undefined))))

  const collection: Collection<A, I> = {
    ...control,
    name,
    databaseName,
    namespace,
    schema,
    withSchema: (other) => make(context, databaseName, name, other, writeConcernRef),

    find: ((filter?: object, options?: object) =>
      Stream.unwrapScoped(Effect.map(findCursor(filter, options), (cursor) => cursor.stream))) as Collection<
      A,
      I
    >["find"],
    findCursor: findCursor as Collection<A, I>["findCursor"],
    findOne: ((filter?: object, options?: object) =>
      read("find", options, (c, o) => c.findOne(toDriver(filter ?? {}), o)).pipe(
        Effect.flatMap(
          (options as { schema?: unknown } | undefined)?.schema === undefined
            ? decodeFoundDefault
            : decodeFound(decoder(options))
        )
      )) as Collection<A, I>["findOne"],
    countDocuments: (filter, options) => read("count", options, (c, o) => c.countDocuments(toDriver(filter ?? {}), o)),
    estimatedDocumentCount: (options) => read("count", options, (c, o) => c.estimatedDocumentCount(o)),
    distinct: (key, filter, options) =>
      read("distinct", options, (c, o) => c.distinct(key, toDriver(filter ?? {}), o)).pipe(
        Effect.map((values) => (tzAware ? (Doc.datesToDateTimes(values) as ReadonlyArray<unknown>) : values))
      ),
    aggregate: ((pipeline: ReadonlyArray<DriverDocument>, options?: object) =>
      Stream.unwrapScoped(Effect.map(aggregateCursor(pipeline, options), (cursor) => cursor.stream))) as Collection<
      A,
      I
    >["aggregate"],
    aggregateCursor: aggregateCursor as Collection<A, I>["aggregateCursor"],

    insertOne: (document, options) =>
      encodedThen(encodeOne(document), (encoded) => write("insert", options, (c, o) => c.insertOne(encoded, o))),
    insertMany: (documents, options) =>
      encodedThen(encodeMany(documents), (encoded) => write("insert", options, (c, o) => c.insertMany(encoded, o))),
    updateOne: (filter, update, options) =>
      write("update", options, (c, o) => c.updateOne(toDriver(filter), toDriver(update), o)),
    updateMany: (filter, update, options) =>
      write("update", options, (c, o) => c.updateMany(toDriver(filter), toDriver(update), o)),
    replaceOne: (filter, replacement, options) =>
      encodedThen(encodeOne(replacement), (encoded) =>
        write("update", options, (c, o) => c.replaceOne(toDriver(filter), encoded, o))
      ),
    deleteOne: (filter, options) => write("delete", options, (c, o) => c.deleteOne(toDriver(filter), o)),
    deleteMany: (filter, options) => write("delete", options, (c, o) => c.deleteMany(toDriver(filter), o)),
    findOneAndUpdate: (filter, update, options) =>
      findOneAnd(
        "findAndModify",
        (c, o) => c.findOneAndUpdate(toDriver(filter), toDriver(update), o),
        options
      ) as Effect.Effect<Option.Option<A>, never>,
    findOneAndReplace: (filter, replacement, options) =>
      encodedThen(encodeOne(replacement), (encoded) =>
        findOneAnd("findAndModify", (c, o) => c.findOneAndReplace(toDriver(filter), encoded, o), options)
      ) as Effect.Effect<Option.Option<A>, never>,
    findOneAndDelete: (filter, options) =>
      findOneAnd("findAndModify", (c, o) => c.findOneAndDelete(toDriver(filter), o), options) as Effect.Effect<
        Option.Option<A>,
        never
      >,
    bulkWrite: (operations, options) =>
      write("bulkWrite", options, (c, o) => c.bulkWrite(toDriver([...operations]) as unknown as Array<never>, o)),
    createIndex: (index, options) => write("createIndexes", options, (c, o) => c.createIndex(index, o)),
    dropIndex: (indexName) => write("dropIndexes", undefined, (c, o) => c.dropIndex(indexName, o)).pipe(Effect.asVoid),
    drop: write("drop", undefined, (c, o) => c.drop(o))
  }
  // every operation checks its arguments first; one made with something that is not a Schema fails them all
  return Validate.guardCollection(
    collection,
    Schema.isSchema(schema) ? undefined : (Validate.schema(schema) as InvalidOption)
  )
}
