/**
 * A database: a source of collections, with its own write-concern controls
 * (a copy of the connection's when it was created). Commands always run on
 * the master.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import type * as Equal from "effect/Equal"
import type { CreateCollectionOptions } from "mongodb"
import type { Collection, Managed } from "./Collection.js"
import type { Document, DocumentSchema } from "./Document.js"
import type { CollectionExists, InvalidName, InvalidOption, OperationError, WriteFailure } from "./Errors.js"
import type * as WriteConcern from "./WriteConcern.js"

/**
 * @since 0.2.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@mongo-master-slave/core/Database")

/**
 * @since 0.2.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A database of a connection. Two handles are `Equal` (and hash alike) when
 * they name the same database of equal connections — each keeps its own
 * write-concern controls all the same.
 *
 * @since 0.1.0
 * @category models
 */
export interface Database extends WriteConcern.Control, Equal.Equal {
  /** @since 0.2.0 */
  readonly [TypeId]: TypeId
  readonly name: string
  /**
   * A collection, decoding through `schema` or else the connection's default
   * document schema. It starts from this database's write concern. A
   * `schema` that is not a Schema is an `InvalidOption`.
   */
  readonly collection: {
    (name: string): Effect.Effect<Collection<Document, Document>, InvalidName>
    <A, I>(name: string, schema: DocumentSchema<A, I>): Effect.Effect<Collection<A, I>, InvalidName | InvalidOption>
  }
  /** Creates a collection; `CollectionExists` if it does. */
  readonly createCollection: {
    (
      name: string,
      options?: Omit<CreateCollectionOptions, Managed>
    ): Effect.Effect<Collection<Document, Document>, InvalidName | CollectionExists | WriteFailure>
    <A, I>(
      name: string,
      options: Omit<CreateCollectionOptions, Managed> & { readonly schema: DocumentSchema<A, I> }
    ): Effect.Effect<Collection<A, I>, InvalidName | CollectionExists | WriteFailure>
  }
  readonly listCollectionNames: Effect.Effect<ReadonlyArray<string>, OperationError>
  /** Runs a database command on the master; its reply. */
  readonly command: (command: Document) => Effect.Effect<Document, OperationError>
  /** Drops the database. */
  readonly drop: Effect.Effect<void, OperationError>
  /** @since 0.2.0 */
  toJSON(): unknown
  /** `Database(name)`. @since 0.2.0 */
  toString(): string
}

/**
 * Whether a value is a `Database` handle.
 *
 * @since 0.2.0
 * @category guards
 */
export const isDatabase = (u: unknown): u is Database => typeof u === "object" && u !== null && TypeId in u
