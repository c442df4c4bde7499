/**
 * MongoDB's naming rules for databases and collections, as Schemas.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { InvalidName } from "./Errors.js"

const utf8Length = (s: string): number => Buffer.byteLength(s, "utf8")

const describeChar = (c: string): string => (c === "\0" ? "a NUL character" : c === " " ? "a space" : `"${c}"`)

const databaseNameProblem = (name: string): string | undefined => {
  if (name.length === 0) return "a database name cannot be empty"
  const forbidden = /[/\\. "$\0]/.exec(name)
  if (forbidden !== null) return `a database name cannot contain ${describeChar(forbidden[0])}`
  const bytes = utf8Length(name)
  if (bytes >= 64) return `a database name must be shorter than 64 bytes (this one has ${bytes})`
  return undefined
}

const collectionNameProblem = (name: string): string | undefined => {
  if (name.length === 0) return "a collection name cannot be empty"
  if (name.includes("\0")) return "a collection name cannot contain a NUL character"
  if (name.includes("$")) return `a collection name cannot contain "$"`
  if (name.includes("..")) return `a collection name cannot contain ".."`
  if (name.startsWith(".") || name.endsWith(".")) return `a collection name cannot start or end with "."`
  if (name.startsWith("system.")) return `names starting with "system." are reserved by MongoDB`
  const bytes = utf8Length(name)
  if (bytes > 255) return `a collection name must be at most 255 bytes (this one has ${bytes})`
  return undefined
}

/**
 * A valid MongoDB database name: not empty, shorter than 64 bytes, and free of
 * `/ \ . " $`, spaces and NUL.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DatabaseName = Schema.String.pipe(
  Schema.filter((name) => databaseNameProblem(name)),
  Schema.brand("DatabaseName"),
  Schema.annotations({ identifier: "DatabaseName" })
)

/**
 * @since 0.1.0
 * @category models
 */
export type DatabaseName = typeof DatabaseName.Type

/**
 * A valid MongoDB collection name: not empty, no `$`, no NUL, no `..`, not
 * starting or ending with `.`, not in the reserved `system.` namespace.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CollectionName = Schema.String.pipe(
  Schema.filter((name) => collectionNameProblem(name)),
  Schema.brand("CollectionName"),
  Schema.annotations({ identifier: "CollectionName" })
)

/**
 * @since 0.1.0
 * @category models
 */
export type CollectionName = typeof CollectionName.Type

const reasonOf = (kind: "database" | "collection", name: unknown, error: ParseResult.ParseError): string =>
  typeof name !== "string"
    ? `a ${kind} name must be a string`
    : (ParseResult.ArrayFormatter.formatErrorSync(error)[0]?.message ?? error.message)

/**
 * Checks a database name, failing with {@link InvalidName} and the reason.
 *
 * @since 0.1.0
 * @category constructors
 */
export const databaseName = (name: string): Effect.Effect<DatabaseName, InvalidName> =>
  Effect.suspend(() => Schema.decodeUnknown(DatabaseName)(name)).pipe(
    Effect.mapError(
      (error) => new InvalidName({ kind: "database", value: name, reason: reasonOf("database", name, error) })
    )
  )

/**
 * Checks a collection name, failing with {@link InvalidName} and the reason.
 *
 * @since 0.1.0
 * @category constructors
 */
export const collectionName = (name: string): Effect.Effect<CollectionName, InvalidName> =>
  Effect.suspend(() => Schema.decodeUnknown(CollectionName)(name)).pipe(
    Effect.mapError(
      (error) => new InvalidName({ kind: "collection", value: name, reason: reasonOf("collection", name, error) })
    )
  )
