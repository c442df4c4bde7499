import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import type { Collection as DriverCollection, Document as DriverDocument, WriteConcernSettings } from "mongodb"
import type { Collection } from "../Collection.js"
import * as Doc from "../Document.js"
import { type DecodeError, EncodeError } from "../Errors.js"
import type { Node } from "../Node.js"
import * as WriteConcern from "../WriteConcern.js"
import * as Cursor from "./cursor.js"
import { collectionOperation, readCall, writeCall } from "./driver.js"
import type { Router } from "./router.js"

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
    ...rest
  } = options as Record<string, unknown>
  return rest
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
  const decoder = (options: object | undefined) => {
    const chosen = schemaOf(options)
    return (raw: unknown) => Doc.decode(chosen, namespace, tzAware, raw)
  }
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
    f: (collection: DriverCollection<DriverDocument>, signal: AbortSignal) => Promise<R>
  ) => {
    const operation = collectionOperation(operationName, databaseName, name, false)
    return router.read(operation, (node) => readCall(node, operation, (signal) => f(handle(node), signal)))
  }

  const write = <R>(
    operationName: string,
    f: (
      collection: DriverCollection<DriverDocument>,
      writeConcern: WriteConcernSettings | undefined,
      signal: AbortSignal
    ) => Promise<R>
  ) => {
    const operation = collectionOperation(operationName, databaseName, name, true)
    return Effect.flatMap(control.state, (state) => {
      const writeConcern = WriteConcern.toDriver(state)
      return router.onMaster(operation, (node) =>
        writeCall(node, operation, (signal) => f(handle(node), writeConcern, signal))
      )
    })
  }

  const decodeFound =
    <B>(decode: (raw: unknown) => Either.Either<B, DecodeError>) =>
    (raw: unknown) =>
      raw === null || raw === undefined
        ? Effect.succeed(Option.none<B>())
        : Either.match(decode(raw), { onLeft: Effect.fail, onRight: (value) => Effect.succeed(Option.some(value)) })

  const findCursor = (filter?: object, options?: object) => {
    const operation = collectionOperation("find", databaseName, name, false)
    return Cursor.open({
      router,
      operation,
      onMaster: false,
      create: (node) => handle(node).find(toDriver(filter ?? {}), clean(options)),
      decode: decoder(options)
    })
  }

  const aggregateCursor = (pipeline: ReadonlyArray<DriverDocument>, options?: object) =>
    Effect.flatMap(control.state, (state) => {
      const onMaster = writesToCollection(pipeline)
      const driverOptions = onMaster ? withWriteConcern(clean(options), WriteConcern.toDriver(state)) : clean(options)
      return Cursor.open({
        router,
        operation: collectionOperation("aggregate", databaseName, name, onMaster),
        onMaster,
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
    write(operationName, (collection, writeConcern, signal) =>
      f(collection, { ...withWriteConcern(clean(options), writeConcern), includeResultMetadata: false, signal })
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
      read("find", (c, signal) => c.findOne(toDriver(filter ?? {}), { ...clean(options), signal })).pipe(
        Effect.flatMap(decodeFound(decoder(options)))
      )) as Collection<A, I>["findOne"],
    countDocuments: (filter, options) =>
      read("count", (c, signal) => c.countDocuments(toDriver(filter ?? {}), { ...clean(options), signal })),
    estimatedDocumentCount: (options) =>
      read("count", (c, signal) => c.estimatedDocumentCount({ ...clean(options), signal } as object)),
    distinct: (key, filter, options) =>
      read("distinct", (c, signal) =>
        c.distinct(key, toDriver(filter ?? {}), { ...clean(options), signal } as object)
      ).pipe(Effect.map((values) => (tzAware ? (Doc.datesToDateTimes(values) as ReadonlyArray<unknown>) : values))),
    aggregate: ((pipeline: ReadonlyArray<DriverDocument>, options?: object) =>
      Stream.unwrapScoped(Effect.map(aggregateCursor(pipeline, options), (cursor) => cursor.stream))) as Collection<
      A,
      I
    >["aggregate"],
    aggregateCursor: aggregateCursor as Collection<A, I>["aggregateCursor"],

    insertOne: (document, options) =>
      Effect.flatMap(encodeOne(document), (encoded) =>
        write("insert", (c, writeConcern, signal) =>
          c.insertOne(encoded, { ...withWriteConcern(clean(options), writeConcern), signal } as object)
        )
      ),
    insertMany: (documents, options) =>
      Effect.flatMap(encodeMany(documents), (encoded) =>
        write("insert", (c, writeConcern, signal) =>
          c.insertMany(encoded, { ...withWriteConcern(clean(options), writeConcern), signal } as object)
        )
      ),
    updateOne: (filter, update, options) =>
      write("update", (c, writeConcern, signal) =>
        c.updateOne(toDriver(filter), toDriver(update), {
          ...withWriteConcern(clean(options), writeConcern),
          signal
        } as object)
      ),
    updateMany: (filter, update, options) =>
      write("update", (c, writeConcern, signal) =>
        c.updateMany(toDriver(filter), toDriver(update), {
          ...withWriteConcern(clean(options), writeConcern),
          signal
        } as object)
      ),
    replaceOne: (filter, replacement, options) =>
      Effect.flatMap(encodeOne(replacement), (encoded) =>
        write("update", (c, writeConcern, signal) =>
          c.replaceOne(toDriver(filter), encoded, {
            ...withWriteConcern(clean(options), writeConcern),
            signal
          } as object)
        )
      ),
    deleteOne: (filter, options) =>
      write("delete", (c, writeConcern, signal) =>
        c.deleteOne(toDriver(filter), { ...withWriteConcern(clean(options), writeConcern), signal } as object)
      ),
    deleteMany: (filter, options) =>
      write("delete", (c, writeConcern, signal) =>
        c.deleteMany(toDriver(filter), { ...withWriteConcern(clean(options), writeConcern), signal } as object)
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
      write("bulkWrite", (c, writeConcern, signal) =>
        c.bulkWrite(
          toDriver([...operations]) as unknown as Array<never>,
          {
            ...withWriteConcern(clean(options), writeConcern),
            signal
          } as object
        )
      ),
    createIndex: (index, options) =>
      write("createIndexes", (c, writeConcern, signal) =>
        c.createIndex(index, { ...withWriteConcern(clean(options), writeConcern), signal } as object)
      ),
    dropIndex: (indexName) =>
      write("dropIndexes", (c, writeConcern, signal) =>
        c.dropIndex(indexName, { ...withWriteConcern({}, writeConcern), signal } as object)
      ).pipe(Effect.asVoid),
    drop: write("drop", (c, writeConcern, signal) =>
      c.drop({ ...withWriteConcern({}, writeConcern), signal } as object)
    )
  }
  return collection
}
