/**
 * Arbitrary and adversarial values for the fuzz suite, each with how to
 * write it down: a failing case prints as code that rebuilds its arguments
 * (a document nested 200,000 levels deep prints as `nested(200000)`, not as
 * itself), so a counterexample reads as a reproduction.
 */
import { DateTime, Duration, FastCheck as fc, Option, Redacted } from "effect"
import { Binary, BSONRegExp, Code, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp } from "mongodb"

/** A value for an argument, and how to write it as code. */
export interface Input {
  readonly value: () => unknown
  readonly code: string
}

/** An input whose value is made when the case runs (fresh each time: the driver may add `_id` to a document). */
export const lazy = (code: string, value: () => unknown): Input => ({ value, code })

/** An input for a value that prints as itself. */
export const plain = (value: unknown): Input => ({ value: () => value, code: render(value) })

/** Arguments as code. */
export const args = (inputs: ReadonlyArray<Input>): string => inputs.map((input) => input.code).join(", ")

const isPlainObject = (value: object) => {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** A value as code, cut short when it is deep or long (those come from `lazy` inputs anyway). */
export const render = (value: unknown, depth = 0): string => {
  if (depth > 8) return "…"
  switch (typeof value) {
    case "string":
      return value.length > 60
        ? `${JSON.stringify(value.slice(0, 40))} + "…" (${value.length} chars)`
        : JSON.stringify(value)
    case "number":
      return Object.is(value, -0) ? "-0" : String(value)
    case "bigint":
      return `${value}n`
    case "undefined":
      return "undefined"
    case "boolean":
      return String(value)
    case "symbol":
      return `Symbol(${JSON.stringify(value.description ?? "")})`
    case "function":
      return "() => {}"
  }
  if (value === null) return "null"
  if (Array.isArray(value)) {
    const items = value.slice(0, 12).map((item) => render(item, depth + 1))
    return `[${items.join(", ")}${value.length > 12 ? `, … (${value.length} items)` : ""}]`
  }
  const object = value as object
  if (object instanceof Date)
    return `new Date(${Number.isNaN(object.getTime()) ? "NaN" : JSON.stringify(object.toISOString())})`
  if (object instanceof RegExp) return String(object)
  if (DateTime.isDateTime(object)) return `DateTime.unsafeMake(${DateTime.toEpochMillis(object)})`
  if (Duration.isDuration(object)) return `Duration.decode(${JSON.stringify(Duration.format(object))})`
  if (Redacted.isRedacted(object)) return `Redacted.make(${render(Redacted.value(object), depth + 1)})`
  if ("_bsontype" in object) return `${String((object as { _bsontype: unknown })._bsontype)}(${String(object)})`
  if (!isPlainObject(object)) return `new ${object.constructor?.name ?? "Object"}()`
  const entries = Object.entries(object)
  const fields = entries.slice(0, 12).map(([key, field]) => `${JSON.stringify(key)}: ${render(field, depth + 1)}`)
  const proto = Object.getPrototypeOf(object) === null ? "Object.assign(Object.create(null), " : ""
  return `${proto}{ ${fields.join(", ")}${entries.length > 12 ? `, … (${entries.length} fields)` : ""} }${proto ? ")" : ""}`
}

/** A document nested `depth` levels deep: `{ a: { a: ... { leaf } } }`. */
export const nested = (depth: number, leaf: unknown = 1, key = "a"): Record<string, unknown> => {
  let value: Record<string, unknown> = { leaf }
  for (let i = 0; i < depth; i++) value = { [key]: value }
  return value
}

/** Arrays nested `depth` levels deep: `[[[ ... ]]]`. */
export const nestedArrays = (depth: number): unknown => {
  let value: unknown = [1]
  for (let i = 0; i < depth; i++) value = [value]
  return value
}

/** Depths around the limits: MongoDB's 100 and 200, and far past them. */
export const depth = fc.oneof(
  fc.integer({ min: 0, max: 30 }),
  fc.constantFrom(99, 100, 101, 150, 198, 199, 200, 201, 250, 1_000, 10_000, 200_000)
)

/** Deeply nested values, written as the call that makes them. */
export const deep: fc.Arbitrary<Input> = fc.oneof(
  depth.map((d) => lazy(`nested(${d})`, () => nested(d))),
  depth.map((d) => lazy(`{ a: nestedArrays(${d}) }`, () => ({ a: nestedArrays(d) }))),
  fc.constant(
    lazy("circular()", () => {
      const value: Record<string, unknown> = { a: 1 }
      value.self = value
      return value
    })
  )
)

/** Large values: long strings, many fields, long arrays — up to past MongoDB's 16 MB. */
export const large: fc.Arbitrary<Input> = fc.oneof(
  fc
    .constantFrom(1_000, 100_000, 1_000_000, 17 * 1024 * 1024)
    .map((size) => lazy(`{ s: "x".repeat(${size}) }`, () => ({ s: "x".repeat(size) }))),
  fc
    .constantFrom(1_000, 50_000)
    .map((n) =>
      lazy(`Object.fromEntries(Array.from({ length: ${n} }, (_, i) => [\`f\${i}\`, i]))`, () =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i]))
      )
    ),
  fc.constantFrom(10_000, 200_000).map((n) =>
    lazy(`{ list: Array.from({ length: ${n} }, (_, i) => i) }`, () => ({
      list: Array.from({ length: n }, (_, i) => i)
    }))
  )
)

/** Field names, including the ones MongoDB and BSON treat specially. */
export const fieldName = fc.oneof(
  { arbitrary: fc.constantFrom("_id", "n", "s", "tags", "at", "nested", "a", "b"), weight: 6 },
  {
    arbitrary: fc.constantFrom("$bad", "a.b", "", "\u0000", "a\u0000b", "__proto__", "constructor", "é", "🙂"),
    weight: 2
  },
  { arbitrary: fc.string({ maxLength: 12 }), weight: 2 }
)

/**
 * Values as documents hold them: every BSON type FerretDB 1.24 serves, and
 * the odd numbers and strings — but NaN, which FerretDB 1.24 panics on (in a
 * filter or a document: the connection closes, and the process may go down
 * later). What FerretDB cannot take is below (`unsupportedByFerretDB`).
 */
export const scalar: fc.Arbitrary<unknown> = fc.oneof(
  {
    arbitrary: fc.oneof(
      fc.integer(),
      fc.double({ noNaN: true }),
      fc.string({ maxLength: 20 }),
      fc.boolean(),
      fc.constant(null)
    ),
    weight: 8
  },
  {
    arbitrary: fc.constantFrom<unknown>(
      undefined,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -0,
      Number.MAX_SAFE_INTEGER + 2,
      2n ** 70n,
      -5n,
      "",
      "\u0000",
      "$n",
      "x".repeat(300)
    ),
    weight: 2
  },
  {
    // made afresh for each case: some are mutable
    arbitrary: fc
      .constantFrom<() => unknown>(
        () => new ObjectId("64b7f3c2a1b2c3d4e5f60718"),
        () => Long.fromNumber(42),
        () => new Binary(Buffer.from("ab")),
        () => new Int32(7),
        () => new Double(1.5),
        () => new Date(0),
        () => /re/g,
        () => DateTime.unsafeMake(0)
      )
      .map((make) => make()),
    weight: 2
  }
)

/** JavaScript values no document holds as such (maps, sets, functions, class instances, Effect's own), as whole arguments. */
export const oddValue: fc.Arbitrary<Input> = fc.constantFrom(
  lazy(`Buffer.from("buffer")`, () => Buffer.from("buffer")),
  lazy("new Uint8Array([1, 2])", () => new Uint8Array([1, 2])),
  lazy(`new Map([["k", 1]])`, () => new Map([["k", 1]])),
  lazy("new Set([1])", () => new Set([1])),
  lazy("() => 1", () => () => 1),
  lazy("Option.some(1)", () => Option.some(1)),
  lazy("Duration.seconds(1)", () => Duration.seconds(1)),
  lazy("Object.create(null)", () => Object.create(null)),
  lazy("new Timestamp({ t: 1, i: 1 })", () => new Timestamp({ t: 1, i: 1 })),
  lazy(`new BSONRegExp("a", "i")`, () => new BSONRegExp("a", "i")),
  lazy(
    "new (class Point { x = 1 })()",
    () =>
      new (class Point {
        x = 1
      })()
  )
)

/**
 * Values of the BSON types FerretDB 1.24 does not support (Decimal128,
 * MinKey, MaxKey, Code, Symbol), and NaN: sent to it, they close the connection and
 * can bring its process down, so they are given only where the library
 * refuses them before anything is sent (an argument that must be a
 * document, options, a name). A real MongoDB takes them.
 */
export const unsupportedByFerretDB: fc.Arbitrary<Input> = fc.constantFrom(
  plain(Number.NaN),
  lazy("new Date(NaN)", () => new Date(Number.NaN)),
  lazy(`Decimal128.fromString("1.5")`, () => Decimal128.fromString("1.5")),
  lazy("new MinKey()", () => new MinKey()),
  lazy("new MaxKey()", () => new MaxKey()),
  lazy(`new Code("1")`, () => new Code("1")),
  lazy(`Symbol("s")`, () => Symbol("s"))
)

/** JSON-like documents whose fields may hold any scalar. */
export const documentValue: fc.Arbitrary<Record<string, unknown>> = fc.letrec((tie) => ({
  document: fc.dictionary(fieldName, tie("value"), { maxKeys: 5 }),
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { arbitrary: scalar, weight: 6 },
    { arbitrary: tie("document"), weight: 1 },
    { arbitrary: fc.array(tie("value"), { maxLength: 4 }), weight: 1 }
  )
})).document as fc.Arbitrary<Record<string, unknown>>

/** Anything at all, for arguments untyped code gets wrong. */
export const anything: fc.Arbitrary<Input> = fc.oneof(
  { arbitrary: scalar.map(plain), weight: 4 },
  { arbitrary: documentValue.map(plain), weight: 2 },
  { arbitrary: fc.array(scalar, { maxLength: 3 }).map(plain), weight: 1 },
  { arbitrary: deep, weight: 1 }
)

/** Anything, as a whole argument: what `anything` gives, and the values only the library's checks may see. */
export const argument: fc.Arbitrary<Input> = fc.oneof(
  { arbitrary: anything, weight: 6 },
  { arbitrary: oddValue, weight: 1 },
  { arbitrary: unsupportedByFerretDB, weight: 1 }
)

/** Durations as a caller may write them, good and bad. */
export const durationInput: fc.Arbitrary<Input> = fc.oneof(
  fc
    .constantFrom<unknown>(
      0,
      1,
      500,
      -1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      2 ** 40,
      "500 millis",
      "1 second",
      "2 seconds",
      "-1 seconds",
      "soon",
      "500",
      "",
      "Infinity",
      0n,
      5_000_000n,
      -5n,
      [1, 0],
      [-1, 0],
      [0, 5e8],
      null,
      true,
      {}
    )
    .map(plain),
  fc.constant(lazy("Duration.millis(250)", () => Duration.millis(250))),
  fc.constant(lazy("Duration.infinity", () => Duration.infinity)),
  anything
)
