/**
 * The checks every public operation runs on what it is given before
 * anything else: a caller typed as `any`, plain JavaScript and values parsed
 * from JSON or HTTP get a typed error naming the bad value, never a crash.
 * Every check is a pure function returning the problem, or `undefined`; the
 * guards at the bottom run them at the entry of each operation, lazily, so
 * that no function returning an Effect or a Stream throws.
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { Collection } from "../Collection.js"
import { InvalidOption, showValue } from "../Errors.js"

/**
 * How deep a value handed to the driver may nest. MongoDB refuses BSON
 * nested deeper than 200 levels (a stored document may nest 100); the
 * library refuses it before the driver's serializer, which recurses, can
 * run out of stack.
 */
export const maxDepth = 200

/**
 * How many values (fields, items, at any depth) a value handed to the driver
 * may hold: more than fit in MongoDB's 16 MB limit on a document, even if
 * every one were `null`. It bounds the walk of a value that repeats one
 * object many times over.
 */
export const maxValues = 6_000_000

/** The README section on bounding an operation, for messages that point there. */
const boundingAdvice = `see "Bounding an operation" in the README`

/**
 * Options the library manages itself, refused rather than dropped: what to
 * use instead.
 */
const managedOptions: Record<string, string> = {
  timeoutMS:
    "operations are bounded by the connection's budgets (readTimeout, operationTimeout, attemptTimeout) " +
    `and by Effect.timeout around the operation, not by the driver's timeoutMS (${boundingAdvice})`,
  writeConcern:
    "the write concern is the collection's: set it with setLastErrorOptions or setSafe on the collection, " +
    "its database or the connection",
  session: "sessions are not supported: use a request (inRequest) or a causal scope (Consistency.causal)",
  signal: `interrupt the operation's fiber instead (Effect.timeout, Fiber.interrupt): the library aborts the driver's call itself (${boundingAdvice})`
}

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Whether a value can be a document: an object that BSON writes as one — a
 * plain object or an instance of a class — rather than as a value of its
 * own (a date, an ObjectId, binary data, ...) or as nothing at all.
 */
export const isDocumentLike = (value: unknown): value is object => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false
  if (isPlainObject(value)) return true
  return !(
    "_bsontype" in value ||
    value instanceof Date ||
    value instanceof RegExp ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof Promise ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) ||
    DateTime.isDateTime(value)
  )
}

/**
 * Walks a value the driver will serialize, without recursion: refuses a
 * nesting deeper than {@link maxDepth}, a container that contains itself and
 * more than {@link maxValues} values. Plain objects, arrays and maps are
 * walked; any other object is a value of its own.
 */
export const walkProblem = (root: unknown): string | undefined => {
  if (!isContainer(root) || isFlat(root)) return undefined
  // one frame per open container: its children, and how far through them
  const children: Array<ReadonlyArray<unknown>> = [childrenOf(root)]
  const positions: Array<number> = [0]
  const open: Array<object> = [root]
  const onPath = new Set<object>([root])
  let values = 0
  while (children.length > 0) {
    const depth = children.length - 1
    const items = children[depth]!
    const position = positions[depth]!
    if (position === items.length) {
      children.pop()
      positions.pop()
      onPath.delete(open.pop()!)
      continue
    }
    positions[depth] = position + 1
    if (++values > maxValues) {
      return `it holds more than ${maxValues.toLocaleString("en-US")} values, more than fit in MongoDB's 16 MB limit`
    }
    const child = items[position]
    if (!isContainer(child)) continue
    if (onPath.has(child)) return "it contains itself (a circular reference), which BSON cannot hold"
    if (children.length >= maxDepth) {
      return `it is nested more than ${maxDepth} levels deep; MongoDB refuses BSON nested deeper than ${maxDepth} levels (and stores documents nested at most 100)`
    }
    children.push(childrenOf(child))
    positions.push(0)
    open.push(child)
    onPath.add(child)
  }
  return undefined
}

// Most filters and documents of a hot path (`{ _id: 1 }`, a document of
// scalars, dates and ObjectIds) hold no container: nothing to walk, nothing to
// allocate for the walk.
const isFlat = (container: object): boolean => {
  if (container instanceof Map) return false
  const values = Array.isArray(container) ? container : Object.values(container)
  if (values.length > maxValues) return false
  for (let i = 0; i < values.length; i++) {
    if (isContainer(values[i])) return false
  }
  return true
}

// what the walk descends into: a plain object, an array or a map; any other object is a value of its own
const isContainer = (value: unknown): value is object =>
  typeof value === "object" && value !== null && (Array.isArray(value) || isPlainObject(value) || value instanceof Map)

const childrenOf = (container: object): ReadonlyArray<unknown> =>
  Array.isArray(container)
    ? container
    : container instanceof Map
      ? [...container.keys(), ...container.values()]
      : Object.values(container)

const invalid = (option: string, reason: string) => new InvalidOption({ option, reason })

const walked = (option: string, value: unknown): InvalidOption | undefined => {
  const problem = walkProblem(value)
  return problem === undefined ? undefined : invalid(option, problem)
}

/**
 * An operation's options: nothing, or an object. Options the library
 * manages are refused with what to use instead; a per-call `schema` must be
 * a Schema.
 */
export const options = (value: unknown, option = "options"): InvalidOption | undefined => {
  if (value === undefined) return undefined
  if (!isDocumentLike(value)) {
    return invalid(option, `expected an object of options, or nothing, got ${showValue(value)}`)
  }
  for (const key in managedOptions) {
    if ((value as Record<string, unknown>)[key] !== undefined) {
      return invalid(`${option}.${key}`, `not supported: ${managedOptions[key]}`)
    }
  }
  const schema = (value as { readonly schema?: unknown }).schema
  if (schema !== undefined && !Schema.isSchema(schema)) {
    return invalid(`${option}.schema`, `expected a Schema to decode documents with, got ${showValue(schema)}`)
  }
  if (schema === undefined) return walked(option, value)
  // a Schema is the library's, not the driver's: it is not walked
  const { schema: _schema, ...rest } = value as Record<string, unknown>
  return walked(option, rest)
}

/** A filter: a document; `undefined` only where the operation has a default (every document). */
export const filter = (value: unknown, required: boolean, option = "filter"): InvalidOption | undefined => {
  if (value === undefined && !required) return undefined
  if (!isDocumentLike(value)) {
    return invalid(option, `expected a filter document such as { _id: 1 }, got ${showValue(value)}`)
  }
  return walked(option, value)
}

/** An update: a document of update operators, or a pipeline (an array of stages). */
export const update = (value: unknown, option = "update"): InvalidOption | undefined => {
  if (Array.isArray(value)) return pipeline(value, option)
  if (!isDocumentLike(value)) {
    return invalid(
      option,
      `expected update operators such as { $set: { a: 1 } }, or a pipeline of stages, got ${showValue(value)}`
    )
  }
  return walked(option, value)
}

/** A pipeline: an array of stage documents. */
export const pipeline = (value: unknown, option = "pipeline"): InvalidOption | undefined => {
  if (!Array.isArray(value)) {
    return invalid(option, `expected an array of stages such as [{ $match: { a: 1 } }], got ${showValue(value)}`)
  }
  for (let i = 0; i < value.length; i++) {
    if (!isDocumentLike(value[i])) {
      return invalid(`${option}[${i}]`, `expected a stage document such as { $match: {} }, got ${showValue(value[i])}`)
    }
  }
  return walked(option, value)
}

// what each kind of bulk operation holds, and how each part is checked
const bulkParts: Record<string, Record<string, (value: unknown, option: string) => InvalidOption | undefined>> = {
  insertOne: { document: (v, o) => (isDocumentLike(v) ? undefined : notA("document", v, o)) },
  replaceOne: {
    filter: (v, o) => filter(v, true, o),
    replacement: (v, o) => (isDocumentLike(v) ? undefined : notA("document", v, o))
  },
  updateOne: { filter: (v, o) => filter(v, true, o), update: (v, o) => update(v, o) },
  updateMany: { filter: (v, o) => filter(v, true, o), update: (v, o) => update(v, o) },
  deleteOne: { filter: (v, o) => filter(v, true, o) },
  deleteMany: { filter: (v, o) => filter(v, true, o) }
}

const notA = (what: string, value: unknown, option: string) =>
  invalid(option, `expected a ${what}, got ${showValue(value)}`)

/** `bulkWrite`'s operations: a non-empty array of `{ insertOne: { document } }`, `{ updateMany: { filter, update } }`, .... */
export const bulkOperations = (value: unknown): InvalidOption | undefined => {
  if (!Array.isArray(value) || value.length === 0) {
    return invalid(
      "operations",
      `expected a non-empty array of operations such as [{ insertOne: { document: {} } }], got ${showValue(value)}`
    )
  }
  for (let i = 0; i < value.length; i++) {
    const operation: unknown = value[i]
    const kinds = isDocumentLike(operation) ? Object.keys(operation) : []
    const parts = kinds.length === 1 ? bulkParts[kinds[0]!] : undefined
    if (parts === undefined) {
      return invalid(
        `operations[${i}]`,
        `expected one of ${Object.keys(bulkParts).join(", ")}, such as { deleteOne: { filter: {} } }, got ${showValue(operation)}`
      )
    }
    const body = (operation as Record<string, unknown>)[kinds[0]!]
    const option = `operations[${i}].${kinds[0]}`
    if (!isDocumentLike(body)) return notA(`{ ${Object.keys(parts).join(", ")} }`, body, option)
    for (const [part, check] of Object.entries(parts)) {
      const problem = check((body as Record<string, unknown>)[part], `${option}.${part}`)
      if (problem !== undefined) return problem
    }
  }
  return walked("operations", value)
}

/** A field name, as `distinct` takes it. */
export const key = (value: unknown, option = "key"): InvalidOption | undefined =>
  typeof value === "string" && value.length > 0
    ? undefined
    : invalid(option, `expected a field name such as "status", got ${showValue(value)}`)

/** An index, as `createIndex` takes it: a field name, `[field, direction]` pairs or a document of them. */
export const indexSpecification = (value: unknown): InvalidOption | undefined => {
  if (typeof value === "string" && value.length > 0) return undefined
  if (Array.isArray(value) || isDocumentLike(value) || value instanceof Map) return walked("index", value)
  return invalid("index", `expected an index such as { field: 1 } or "field", got ${showValue(value)}`)
}

/** An index's name, as `dropIndex` takes it. */
export const indexName = (value: unknown): InvalidOption | undefined =>
  typeof value === "string" && value.length > 0
    ? undefined
    : invalid("name", `expected the name of an index such as "field_1", got ${showValue(value)}`)

/** A database command: a document whose first field names it. */
export const command = (value: unknown): InvalidOption | undefined => {
  if (!isDocumentLike(value) || Object.keys(value).length === 0) {
    return invalid("command", `expected a command document such as { ping: 1 }, got ${showValue(value)}`)
  }
  return walked("command", value)
}

/** A document schema. */
export const schema = (value: unknown, option = "schema"): InvalidOption | undefined =>
  Schema.isSchema(value)
    ? undefined
    : invalid(option, `expected a Schema to decode documents with, got ${showValue(value)}`)

/**
 * A document to write, before it is encoded: refused when BSON could not
 * hold it. (That it is a document at all is the schema's to check, and
 * `Document.encode`'s.)
 */
export const documentToWrite = (value: unknown, option = "document"): InvalidOption | undefined => walked(option, value)

/**
 * The documents of `insertMany`, read once into an array: an iterable of
 * them (not a string), each one checked as {@link documentToWrite}.
 */
export const documentsToWrite = (value: unknown): { readonly documents: ReadonlyArray<unknown> } | InvalidOption => {
  if (
    typeof value !== "object" ||
    value === null ||
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function"
  ) {
    return invalid("documents", `expected an array (or another iterable) of documents, got ${showValue(value)}`)
  }
  let documents: Array<unknown>
  try {
    documents = Array.from(value as Iterable<unknown>)
  } catch (error) {
    return invalid("documents", `iterating them threw: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (documents.length === 0)
    return invalid("documents", "expected at least one document: MongoDB refuses an empty batch")
  for (let i = 0; i < documents.length; i++) {
    const problem = documentToWrite(documents[i], `documents[${i}]`)
    if (problem !== undefined) return problem
  }
  return { documents }
}

/** The first problem of several checks, or `undefined`. */
export const first = (...problems: ReadonlyArray<InvalidOption | undefined>): InvalidOption | undefined =>
  problems.find((problem) => problem !== undefined)

// -- guards: the checks at the entry of every operation --

type Check = (...args: ReadonlyArray<unknown>) => InvalidOption | undefined

/**
 * An operation returning an Effect, behind its check: evaluated lazily, so
 * neither the check nor the operation can throw at the call.
 */
export const guardEffect =
  <Args extends ReadonlyArray<unknown>, P extends InvalidOption, A, E, R>(
    check: (...args: Args) => P | undefined,
    operation: (...args: Args) => Effect.Effect<A, E, R>
  ) =>
  (...args: Args): Effect.Effect<A, E | P, R> =>
    Effect.suspend((): Effect.Effect<A, E | P, R> => {
      const problem = check(...args)
      return problem === undefined ? operation(...args) : Effect.fail(problem)
    })

/** An operation returning a Stream, behind its check (see {@link guardEffect}). */
export const guardStream =
  <Args extends ReadonlyArray<unknown>, P extends InvalidOption, A, E, R>(
    check: (...args: Args) => P | undefined,
    operation: (...args: Args) => Stream.Stream<A, E, R>
  ) =>
  (...args: Args): Stream.Stream<A, E | P, R> =>
    Stream.suspend((): Stream.Stream<A, E | P, R> => {
      const problem = check(...args)
      return problem === undefined ? operation(...args) : Stream.fail(problem)
    })

const none: Check = () => undefined

type AnyEffectFunction = (...args: ReadonlyArray<unknown>) => Effect.Effect<unknown, unknown, unknown>
type AnyStreamFunction = (...args: ReadonlyArray<unknown>) => Stream.Stream<unknown, unknown, unknown>

/**
 * A collection whose every operation checks what it is given first (and
 * fails with `broken`, if given: a collection made with something that is
 * not a Schema).
 */
export const guardCollection = <A, I>(raw: Collection<A, I>, broken?: InvalidOption): Collection<A, I> => {
  const checked = (check: Check): Check => (broken === undefined ? check : () => broken)
  const effect = <F extends (...args: ReadonlyArray<never>) => Effect.Effect<unknown, unknown, unknown>>(
    check: Check,
    f: F
  ): F => guardEffect(checked(check), f as unknown as AnyEffectFunction) as unknown as F
  const stream = <F extends (...args: ReadonlyArray<never>) => Stream.Stream<unknown, unknown, unknown>>(
    check: Check,
    f: F
  ): F => guardStream(checked(check), f as unknown as AnyStreamFunction) as unknown as F
  const read = (filterValue: unknown, optionsValue: unknown) => first(filter(filterValue, false), options(optionsValue))
  const write = (optionsValue: unknown) => options(optionsValue)
  return {
    ...raw,
    // the write-concern controls check their own arguments; they only need to be lazy
    setSafe: effect(none, raw.setSafe),
    setLastErrorOptions: effect(none, raw.setLastErrorOptions),
    unsetLastErrorOptions: effect(none, raw.unsetLastErrorOptions),
    withSchema: raw.withSchema,
    find: stream(read, raw.find),
    findCursor: effect(read, raw.findCursor),
    findOne: effect(read, raw.findOne),
    countDocuments: effect(read, raw.countDocuments),
    estimatedDocumentCount: effect((o) => options(o), raw.estimatedDocumentCount),
    distinct: effect((k, f, o) => first(key(k), filter(f, false), options(o)), raw.distinct),
    aggregate: stream((p, o) => first(pipeline(p), options(o)), raw.aggregate),
    aggregateCursor: effect((p, o) => first(pipeline(p), options(o)), raw.aggregateCursor),
    insertOne: effect((d, o) => first(write(o), documentToWrite(d)), raw.insertOne),
    // insertMany reads its documents once, here, and hands the array on
    insertMany: ((documents: unknown, o: unknown) =>
      Effect.suspend(() => {
        if (broken !== undefined) return Effect.fail(broken)
        const problem = write(o)
        if (problem !== undefined) return Effect.fail(problem)
        const read = documentsToWrite(documents)
        if (!("documents" in read)) return Effect.fail(read)
        return raw.insertMany(read.documents as Iterable<A>, o as never)
      })) as Collection<A, I>["insertMany"],
    updateOne: effect((f, u, o) => first(filter(f, true), update(u), write(o)), raw.updateOne),
    updateMany: effect((f, u, o) => first(filter(f, true), update(u), write(o)), raw.updateMany),
    replaceOne: effect((f, d, o) => first(filter(f, true), write(o), documentToWrite(d)), raw.replaceOne),
    deleteOne: effect((f, o) => first(filter(f, true), write(o)), raw.deleteOne),
    deleteMany: effect((f, o) => first(filter(f, true), write(o)), raw.deleteMany),
    findOneAndUpdate: effect((f, u, o) => first(filter(f, true), update(u), write(o)), raw.findOneAndUpdate),
    findOneAndReplace: effect((f, d, o) => first(filter(f, true), write(o), documentToWrite(d)), raw.findOneAndReplace),
    findOneAndDelete: effect((f, o) => first(filter(f, true), write(o)), raw.findOneAndDelete),
    bulkWrite: effect((ops, o) => first(bulkOperations(ops), write(o)), raw.bulkWrite),
    createIndex: effect((index, o) => first(indexSpecification(index), write(o)), raw.createIndex),
    dropIndex: effect((name) => indexName(name), raw.dropIndex),
    drop: Effect.suspend(() => (broken === undefined ? raw.drop : Effect.fail(broken)))
  }
}
