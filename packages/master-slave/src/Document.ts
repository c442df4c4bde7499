/**
 * Documents, PyMongo's `document_class`: reads decode through a Schema (the
 * connection's default, a collection's, or one given to a single call) and
 * writes encode through the collection's. With `tzAware`, BSON dates are
 * decoded as `DateTime.Utc`; otherwise as JS `Date`. `DateTime` values are
 * always written as BSON dates.
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { DecodeError, EncodeError, showValue } from "./Errors.js"
import { isDocumentLike } from "./internal/validate.js"

/**
 * Any document: string keys, any values (ObjectIds, dates, ... as the driver
 * gives them). The default document schema.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Document = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  identifier: "Document"
})

/**
 * @since 0.1.0
 * @category models
 */
export type Document = typeof Document.Type

/**
 * A schema documents decode through: `A` is what the program sees, `I` what
 * is stored.
 *
 * @since 0.1.0
 * @category models
 */
export type DocumentSchema<A = Document, I = Document> = Schema.Schema<A, I, never>

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

// A copy of an object's own fields, as every copy made here is. Built by
// `Object.assign` rather than a spread (`{ ...source }`): V8 adds a property
// to a spread copy several times slower (about 1.5 µs against 0.3 in a loop,
// more between the driver's work), and the driver adds `_id` to nearly every
// document inserted. `Object.assign` would set the copy's prototype for an
// own `__proto__` key, so such an object is spread, which copies it as a field.
const copyOfObject = (source: object): Record<string, unknown> =>
  Object.hasOwn(source, "__proto__") ? { ...source } : (Object.assign({}, source) as Record<string, unknown>)

// Replaces leaves deep inside plain objects and arrays, copying only the
// containers on the way to a replaced leaf: a document without any is
// returned as it is. Recursive for the first levels (fast, and as deep as
// MongoDB lets a document go), iterative below them, so no depth of nesting
// can overflow the stack; a container met again inside itself (a cycle) is
// left as it is there.
const recursionDepth = 64

const mapDeep = (value: unknown, leaf: (value: object) => unknown | undefined, depth = 0): unknown => {
  if (typeof value !== "object" || value === null) return value
  const replaced = leaf(value)
  if (replaced !== undefined) return replaced
  if (depth >= recursionDepth) return isContainer(value) ? mapDeepIteratively(value, leaf) : value
  if (Array.isArray(value)) {
    let out: Array<unknown> | undefined
    for (let i = 0; i < value.length; i++) {
      const item = mapDeep(value[i], leaf, depth + 1)
      if (item !== value[i]) {
        out ??= value.slice()
        out[i] = item
      }
    }
    return out ?? value
  }
  if (!isPlainObject(value)) return value
  let out: Record<string, unknown> | undefined
  for (const key in value) {
    const field = (value as Record<string, unknown>)[key]
    const mapped = mapDeep(field, leaf, depth + 1)
    if (mapped !== field) {
      out ??= copyOfObject(value)
      out[key] = mapped
    }
  }
  return out ?? value
}

// mapDeep below the recursion depth: the same walk with an explicit stack
const mapDeepIteratively = (root: object, leaf: (value: object) => unknown | undefined): unknown => {
  const stack: Array<Frame> = [frameOf(root, undefined, "")]
  const path = new Set<object>([root])
  let result: unknown = root
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!
    const { source, keys } = frame
    const length = keys === undefined ? (source as Array<unknown>).length : keys.length
    let descended = false
    while (frame.index < length) {
      const key = keys === undefined ? frame.index : keys[frame.index]!
      frame.index++
      const child = (source as Record<string | number, unknown>)[key]
      if (typeof child !== "object" || child === null) continue
      const replaced = leaf(child)
      if (replaced !== undefined) {
        frame.out ??= copyOf(source)
        frame.out[key] = replaced
        continue
      }
      if (!isContainer(child) || path.has(child)) continue
      path.add(child)
      stack.push(frameOf(child, frame, key))
      descended = true
      break
    }
    if (descended) continue
    stack.pop()
    path.delete(source)
    const mapped = frame.out ?? source
    if (frame.parent === undefined) {
      result = mapped
    } else if (mapped !== source) {
      frame.parent.out ??= copyOf(frame.parent.source)
      frame.parent.out[frame.key] = mapped
    }
  }
  return result
}

interface Frame {
  readonly source: object
  /** An object's own keys; `undefined` for an array. */
  readonly keys: ReadonlyArray<string> | undefined
  readonly parent: Frame | undefined
  /** Where this container sits in its parent. */
  readonly key: string | number
  index: number
  /** The copy, made at the first replaced value. */
  out: Record<string | number, unknown> | undefined
}

const isContainer = (value: object): boolean => Array.isArray(value) || isPlainObject(value)

const frameOf = (source: object, parent: Frame | undefined, key: string | number): Frame => ({
  source,
  keys: Array.isArray(source) ? undefined : Object.keys(source),
  parent,
  key,
  index: 0,
  out: undefined
})

const copyOf = (source: object): Record<string | number, unknown> =>
  Array.isArray(source) ? (source.slice() as unknown as Record<number, unknown>) : copyOfObject(source)

/**
 * Every `Date` in a document, at any depth, as a `DateTime.Utc`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const datesToDateTimes = (document: unknown): unknown =>
  mapDeep(document, (value) => (value instanceof Date ? DateTime.unsafeMake(value) : undefined))

/**
 * Every `DateTime` in a document, at any depth, as a `Date`, which the driver
 * writes as a BSON date. A document without any is returned as it is.
 *
 * @since 0.1.0
 * @category conversions
 */
export const dateTimesToDates = (document: unknown): unknown =>
  mapDeep(document, (value) => (DateTime.isDateTime(value) ? DateTime.toDate(value) : undefined))

const firstIssue = (error: ParseResult.ParseError) => {
  const issue = ParseResult.ArrayFormatter.formatErrorSync(error)[0]
  return { path: issue?.path ?? [], reason: issue?.message ?? error.message }
}

type Decode = (u: unknown) => Either.Either<unknown, ParseResult.ParseError>
const decoders = new WeakMap<Schema.Schema.AnyNoContext, Decode>()
const encoders = new WeakMap<Schema.Schema.AnyNoContext, Decode>()

const cached = (
  cache: WeakMap<Schema.Schema.AnyNoContext, Decode>,
  schema: Schema.Schema.AnyNoContext,
  make: () => Decode
): Decode => {
  let decode = cache.get(schema)
  if (decode === undefined) {
    decode = make()
    cache.set(schema, decode)
  }
  return decode
}

/**
 * Decodes a document read from `namespace`, failing with a `DecodeError`
 * that names the field at fault.
 *
 * @since 0.1.0
 * @category decoding
 */
export const decode = <A, I>(
  schema: DocumentSchema<A, I>,
  namespace: string,
  tzAware: boolean,
  raw: unknown
): Either.Either<A, DecodeError> => {
  const document = tzAware ? datesToDateTimes(raw) : raw
  // the default schema accepts any document as it is: no copy on the hot path
  if ((schema as Schema.Schema.AnyNoContext) === Document) return Either.right(document as A)
  let decoded: Either.Either<unknown, ParseResult.ParseError>
  try {
    const decodeWith = cached(decoders, schema, () => Schema.decodeUnknownEither(schema as Schema.Schema.AnyNoContext))
    decoded = decodeWith(document)
  } catch (thrown) {
    // a transformation of the schema's own that throws rather than fails, or no schema at all
    return Either.left(new DecodeError({ namespace, path: [], reason: threw(thrown) }))
  }
  return Either.mapBoth(decoded, {
    onLeft: (error) => new DecodeError({ namespace, ...firstIssue(error) }),
    onRight: (value) => value as A
  })
}

const threw = (thrown: unknown): string =>
  `the schema threw: ${thrown instanceof Error ? thrown.message : showValue(thrown)}`

/**
 * Encodes a document to write to `namespace`, failing with an `EncodeError`
 * that names the field at fault.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = <A, I>(
  schema: DocumentSchema<A, I>,
  namespace: string,
  value: A
): Either.Either<Record<string, unknown>, EncodeError> => {
  let encoded: Either.Either<unknown, ParseResult.ParseError>
  try {
    encoded =
      (schema as Schema.Schema.AnyNoContext) === Document
        ? Either.right<unknown>(value)
        : cached(encoders, schema, () => Schema.encodeUnknownEither(schema as Schema.Schema.AnyNoContext))(value)
  } catch (thrown) {
    return Either.left(new EncodeError({ namespace, path: [], reason: threw(thrown) }))
  }
  if (Either.isLeft(encoded)) return Either.left(new EncodeError({ namespace, ...firstIssue(encoded.left) }))
  const document = encoded.right
  if (!isDocumentLike(document)) {
    return Either.left(
      new EncodeError({ namespace, path: [], reason: `expected a document (an object), got ${showValue(document)}` })
    )
  }
  // a copy at the top, as the driver adds `_id` to what it inserts: the one
  // made in replacing DateTimes, if any were, else one made now
  const converted = dateTimesToDates(document)
  return Either.right(converted === document ? copyOfObject(document) : (converted as Record<string, unknown>))
}
