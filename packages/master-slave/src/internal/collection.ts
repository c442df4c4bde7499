import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import type { Collection as DriverCollection, Document as DriverDocument, WriteConcernSettings } from "mongodb"
import type { Collection } from "../Collection.js"
import * as Doc from "../Document.js"
import { type AllSlavesUnavailable, type DecodeError, EncodeError, InvalidOption } from "../Errors.js"
import type { Node } from "../Node.js"
import * as WriteConcern from "../WriteConcern.js"
import * as Cursor from "./cursor.js"
import { collectionOperations, type ReadCallError, readCall, writeCall } from "./driver.js"
import { stalenessMillis } from "./options.js"
import type { ReadOptions, Router } from "./router.js"

/** What every collection of a connection shares. */
export interface Context {
  readonly router: Router
  readonly tzAware: boolean
}

// Options this library manages are dropped from what callers pass, whatever
// their static type let through.
const clean = (options: object | undefined): Record<string, unknown> => {
  if (options === undefined) return {}
  const {
    schema: _schema,
    writeConcern: _wc,
    session: _session,
    signal: _signal,
    timeoutMS: _t,
    maxStaleness: _maxStaleness,
    ...rest
  } = options as Record<string, unknown>
  return rest
}

// A read's own staleness bound, for the router; InvalidOption when it is not a duration.
const routerOptions = (options: object | undefined): ReadOptions | undefined | InvalidOption => {
  const maxStaleness = (options as { readonly maxStaleness?: unknown } | undefined)?.maxStaleness
  if (maxStaleness === undefined) return undefined
  const millis = stalenessMillis("maxStaleness", maxStaleness)
  return typeof millis === "number" ? { maxStalenessMillis: millis } : millis
}

const withWriteConcern = (options: Record<string, unknown>, writeConcern: WriteConcernSettings | undefined) =>
  writeConcern === undefined ? options : { ...options, writeConcern }

// a filter or update may hold DateTime values: they are written as BSON dates
const toDriver = (value: unknown): DriverDocument => Doc.dateTimesToDates(value) as DriverDocument

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
  const handles = new Map<Node, DriverCollection<DriverDocument>>()
  const handle = (node: Node) => {
    let collection = handles.get(node)
    if (collection === undefined) {
      collection = node.client.db(databaseName).collection(name)
      handles.set(node, collection)
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

  const read = <R>(
    operationName: string,
    options: object | undefined,
    f: (collection: DriverCollection<DriverDocument>) => Promise<R>
  ): Effect.Effect<R, ReadCallError | AllSlavesUnavailable | InvalidOption> => {
    const operation = operationOf(operationName, false)
    const readOptions = routerOptions(options)
    if (readOptions instanceof InvalidOption) return Effect.fail(readOptions)
    return router.read(
      operation,
      (node, deadline) => readCall(node, operation, () => f(handle(node)), { deadline }),
      readOptions
    )
  }

  const write = <R>(
    operationName: string,
    f: (collection: DriverCollection<DriverDocument>, writeConcern: WriteConcernSettings | undefined) => Promise<R>
  ) => {
    const operation = operationOf(operationName, true)
    return Effect.flatMap(control.state, (state) => {
      const writeConcern = WriteConcern.toDriver(state)
      return router.onMaster(operation, (node) => writeCall(node, operation, () => f(handle(node), writeConcern)))
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
      create: (node) => handle(node).find(toDriver(filter ?? {}), clean(options)),
      decode: decoder(options)
    })
  }

  const aggregateCursor = (pipeline: ReadonlyArray<DriverDocument>, options?: object) =>
    Effect.flatMap(control.state, (state) => {
      const readOptions = routerOptions(options)
      if (readOptions instanceof InvalidOption) return Effect.fail(readOptions)
      const onMaster = writesToCollection(pipeline)
      const driverOptions = onMaster ? withWriteConcern(clean(options), WriteConcern.toDriver(state)) : clean(options)
      return Cursor.open({
        router,
        operation: operationOf("aggregate", onMaster),
        onMaster,
        readOptions,
        create: (node) =>
          handle(node).aggregate(toDriver([...pipeline]) as unknown as Array<DriverDocument>, driverOptions),
        decode: decoder(options)
      })
    })

  const findOneAnd = (
    operationName: string,
    f: (collection: DriverCollection<DriverDocument>, options: Record<string, unknown>) => Promise<unknown>,
    options?: object
  ) =>
    write(operationName, (collection, writeConcern) =>
      f(collection, { ...withWriteConcern(clean(options), writeConcern), includeResultMetadata: false })
    ).pipe(Effect.flatMap(decodeFound(decoder(undefined))))

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
      read("find", options, (c) => c.findOne(toDriver(filter ?? {}), clean(options))).pipe(
        Effect.flatMap(
          (options as { schema?: unknown } | undefined)?.schema === undefined
            ? decodeFoundDefault
            : decodeFound(decoder(options))
        )
      )) as Collection<A, I>["findOne"],
    countDocuments: (filter, options) =>
      read("count", options, (c) => c.countDocuments(toDriver(filter ?? {}), clean(options))),
    estimatedDocumentCount: (options) => read("count", options, (c) => c.estimatedDocumentCount(clean(options))),
    distinct: (key, filter, options) =>
      read("distinct", options, (c) => c.distinct(key, toDriver(filter ?? {}), clean(options))).pipe(
        Effect.map((values) => (tzAware ? (Doc.datesToDateTimes(values) as ReadonlyArray<unknown>) : values))
      ),
    aggregate: ((pipeline: ReadonlyArray<DriverDocument>, options?: object) =>
      Stream.unwrapScoped(Effect.map(aggregateCursor(pipeline, options), (cursor) => cursor.stream))) as Collection<
      A,
      I
    >["aggregate"],
    aggregateCursor: aggregateCursor as Collection<A, I>["aggregateCursor"],

    insertOne: (document, options) =>
      Effect.flatMap(encodeOne(document), (encoded) =>
        write("insert", (c, writeConcern) => c.insertOne(encoded, withWriteConcern(clean(options), writeConcern)))
      ),
    insertMany: (documents, options) =>
      Effect.flatMap(encodeMany(documents), (encoded) =>
        write("insert", (c, writeConcern) => c.insertMany(encoded, withWriteConcern(clean(options), writeConcern)))
      ),
    updateOne: (filter, update, options) =>
      write("update", (c, writeConcern) =>
        c.updateOne(toDriver(filter), toDriver(update), withWriteConcern(clean(options), writeConcern))
      ),
    updateMany: (filter, update, options) =>
      write("update", (c, writeConcern) =>
        c.updateMany(toDriver(filter), toDriver(update), withWriteConcern(clean(options), writeConcern))
      ),
    replaceOne: (filter, replacement, options) =>
      Effect.flatMap(encodeOne(replacement), (encoded) =>
        write("update", (c, writeConcern) =>
          c.replaceOne(toDriver(filter), encoded, withWriteConcern(clean(options), writeConcern))
        )
      ),
    deleteOne: (filter, options) =>
      write("delete", (c, writeConcern) =>
        c.deleteOne(toDriver(filter), withWriteConcern(clean(options), writeConcern))
      ),
    deleteMany: (filter, options) =>
      write("delete", (c, writeConcern) =>
        c.deleteMany(toDriver(filter), withWriteConcern(clean(options), writeConcern))
      ),
    findOneAndUpdate: (filter, update, options) =>
      findOneAnd(
        "findAndModify",
        (c, o) => c.findOneAndUpdate(toDriver(filter), toDriver(update), o),
        options
      ) as Effect.Effect<Option.Option<A>, never>,
    findOneAndReplace: (filter, replacement, options) =>
      Effect.flatMap(encodeOne(replacement), (encoded) =>
        findOneAnd("findAndModify", (c, o) => c.findOneAndReplace(toDriver(filter), encoded, o), options)
      ) as Effect.Effect<Option.Option<A>, never>,
    findOneAndDelete: (filter, options) =>
      findOneAnd("findAndModify", (c, o) => c.findOneAndDelete(toDriver(filter), o), options) as Effect.Effect<
        Option.Option<A>,
        never
      >,
    bulkWrite: (operations, options) =>
      write("bulkWrite", (c, writeConcern) =>
        c.bulkWrite(
          toDriver([...operations]) as unknown as Array<never>,
          withWriteConcern(clean(options), writeConcern)
        )
      ),
    createIndex: (index, options) =>
      write("createIndexes", (c, writeConcern) => c.createIndex(index, withWriteConcern(clean(options), writeConcern))),
    dropIndex: (indexName) =>
      write("dropIndexes", (c, writeConcern) => c.dropIndex(indexName, withWriteConcern({}, writeConcern))).pipe(
        Effect.asVoid
      ),
    drop: write("drop", (c, writeConcern) => c.drop(withWriteConcern({}, writeConcern)))
  }
  return collection
}
