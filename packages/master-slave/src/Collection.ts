/**
 * A collection: writes go to the master, reads to the slaves (or to the master
 * inside a request). Documents decode through the collection's schema, or one
 * given to a single call.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type * as Stream from "effect/Stream"
import type {
  AggregateOptions,
  AnyBulkWriteOperation,
  BulkWriteOptions,
  BulkWriteResult,
  CountDocumentsOptions,
  CreateIndexesOptions,
  DeleteOptions,
  DeleteResult,
  DistinctOptions,
  Document as DriverDocument,
  EstimatedDocumentCountOptions,
  Filter,
  FindOneAndDeleteOptions,
  FindOneAndReplaceOptions,
  FindOneAndUpdateOptions,
  FindOptions,
  IndexSpecification,
  InsertManyResult,
  InsertOneOptions,
  InsertOneResult,
  ReplaceOptions,
  UpdateFilter,
  UpdateOptions,
  UpdateResult
} from "mongodb"
import type { Cursor } from "./Cursor.js"
import type { Document, DocumentSchema } from "./Document.js"
import type { DecodeError, ReadError, WriteFailure } from "./Errors.js"
import type * as WriteConcern from "./WriteConcern.js"

/**
 * Options the connection manages itself, left out of every operation's
 * options: the write concern lives in the write-concern controls, the
 * AbortSignal is Effect's interruption.
 *
 * @since 0.1.0
 * @category models
 */
export type Managed = "writeConcern" | "session" | "signal" | "timeoutMS"

/**
 * The filter a collection takes: the driver's `Filter`, typed by the stored
 * document type `I`; any filter document for schemaless collections (whose
 * `_id` may be of any type).
 *
 * @since 0.1.0
 * @category models
 */
export type Query<I> = Document extends I ? DriverDocument : Filter<I>

/**
 * An update: operators typed by the stored document type `I` (any for
 * schemaless collections), or a pipeline.
 *
 * @since 0.1.0
 * @category models
 */
export type Update<I> = (Document extends I ? DriverDocument : UpdateFilter<I>) | ReadonlyArray<Document>

/**
 * One operation of a `bulkWrite`: the driver's, typed by the stored document
 * type `I`; any operation document for schemaless collections.
 *
 * @since 0.1.0
 * @category models
 */
export type BulkOperation<I> = Document extends I ? DriverDocument : AnyBulkWriteOperation<I & DriverDocument>

/**
 * Options of a read that decodes documents, with an optional schema for this
 * call alone.
 *
 * @since 0.1.0
 * @category models
 */
export type WithSchema<O, B, J> = ReadOptionsOf<O> & { readonly schema: DocumentSchema<B, J> }

/**
 * What every read takes beyond the driver's options.
 *
 * @since 0.2.0
 * @category models
 */
export interface ReadOptions {
  /**
   * This read must reflect every write acknowledged more than `maxStaleness`
   * before it started: only slaves whose staleness bound is within it may
   * serve it (see `Consistency`). Over the connection's and the fiber's.
   */
  readonly maxStaleness?: Duration.DurationInput
}

/**
 * A read's options: the driver's, less what the connection manages, plus
 * {@link ReadOptions}.
 *
 * @since 0.2.0
 * @category models
 */
export type ReadOptionsOf<O> = Omit<O, Managed> & ReadOptions

/**
 * @since 0.1.0
 * @category models
 */
export interface Collection<A = Document, I = Document> extends WriteConcern.Control {
  readonly name: string
  readonly databaseName: string
  /** `database.collection`. */
  readonly namespace: string
  readonly schema: DocumentSchema<A, I>
  /** The same collection (and write-concern controls), decoding through another schema. */
  readonly withSchema: <B, J>(schema: DocumentSchema<B, J>) => Collection<B, J>

  // -- reads: the slaves, or the master inside a request --

  /** The matching documents, streamed batch by batch from one node. */
  readonly find: {
    (filter?: Query<I>, options?: ReadOptionsOf<FindOptions>): Stream.Stream<A, ReadError>
    <B, J>(filter: Query<I> | undefined, options: WithSchema<FindOptions, B, J>): Stream.Stream<B, ReadError>
  }
  /** Opens a cursor for the scope: its id and node, and its stream. */
  readonly findCursor: {
    (filter?: Query<I>, options?: ReadOptionsOf<FindOptions>): Effect.Effect<Cursor<A>, ReadError, Scope.Scope>
    <B, J>(
      filter: Query<I> | undefined,
      options: WithSchema<FindOptions, B, J>
    ): Effect.Effect<Cursor<B>, ReadError, Scope.Scope>
  }
  readonly findOne: {
    (filter?: Query<I>, options?: ReadOptionsOf<FindOptions>): Effect.Effect<Option.Option<A>, ReadError>
    <B, J>(
      filter: Query<I> | undefined,
      options: WithSchema<FindOptions, B, J>
    ): Effect.Effect<Option.Option<B>, ReadError>
  }
  readonly countDocuments: (
    filter?: Query<I>,
    options?: ReadOptionsOf<CountDocumentsOptions>
  ) => Effect.Effect<number, ReadError>
  readonly estimatedDocumentCount: (
    options?: ReadOptionsOf<EstimatedDocumentCountOptions>
  ) => Effect.Effect<number, ReadError>
  readonly distinct: (
    key: string,
    filter?: Query<I>,
    options?: ReadOptionsOf<DistinctOptions>
  ) => Effect.Effect<ReadonlyArray<unknown>, ReadError>
  /** Runs a pipeline; one with `$out` or `$merge` writes, so it runs on the master. */
  readonly aggregate: {
    (pipeline: ReadonlyArray<Document>, options?: ReadOptionsOf<AggregateOptions>): Stream.Stream<Document, ReadError>
    <B, J>(pipeline: ReadonlyArray<Document>, options: WithSchema<AggregateOptions, B, J>): Stream.Stream<B, ReadError>
  }
  readonly aggregateCursor: {
    (
      pipeline: ReadonlyArray<Document>,
      options?: ReadOptionsOf<AggregateOptions>
    ): Effect.Effect<Cursor<Document>, ReadError, Scope.Scope>
    <B, J>(
      pipeline: ReadonlyArray<Document>,
      options: WithSchema<AggregateOptions, B, J>
    ): Effect.Effect<Cursor<B>, ReadError, Scope.Scope>
  }

  // -- writes: the master, with the collection's write concern --

  readonly insertOne: (
    document: A,
    options?: Omit<InsertOneOptions, Managed>
  ) => Effect.Effect<InsertOneResult, WriteFailure>
  readonly insertMany: (
    documents: Iterable<A>,
    options?: Omit<BulkWriteOptions, Managed>
  ) => Effect.Effect<InsertManyResult, WriteFailure>
  readonly updateOne: (
    filter: Query<I>,
    update: Update<I>,
    options?: Omit<UpdateOptions, Managed>
  ) => Effect.Effect<UpdateResult, WriteFailure>
  readonly updateMany: (
    filter: Query<I>,
    update: Update<I>,
    options?: Omit<UpdateOptions, Managed>
  ) => Effect.Effect<UpdateResult, WriteFailure>
  readonly replaceOne: (
    filter: Query<I>,
    replacement: A,
    options?: Omit<ReplaceOptions, Managed>
  ) => Effect.Effect<UpdateResult, WriteFailure>
  readonly deleteOne: (
    filter: Query<I>,
    options?: Omit<DeleteOptions, Managed>
  ) => Effect.Effect<DeleteResult, WriteFailure>
  readonly deleteMany: (
    filter: Query<I>,
    options?: Omit<DeleteOptions, Managed>
  ) => Effect.Effect<DeleteResult, WriteFailure>
  /** The document before (or, with `returnDocument: "after"`, after) the update. */
  readonly findOneAndUpdate: (
    filter: Query<I>,
    update: Update<I>,
    options?: Omit<FindOneAndUpdateOptions, Managed | "includeResultMetadata">
  ) => Effect.Effect<Option.Option<A>, WriteFailure | DecodeError>
  readonly findOneAndReplace: (
    filter: Query<I>,
    replacement: A,
    options?: Omit<FindOneAndReplaceOptions, Managed | "includeResultMetadata">
  ) => Effect.Effect<Option.Option<A>, WriteFailure | DecodeError>
  readonly findOneAndDelete: (
    filter: Query<I>,
    options?: Omit<FindOneAndDeleteOptions, Managed | "includeResultMetadata">
  ) => Effect.Effect<Option.Option<A>, WriteFailure | DecodeError>
  /** Operations carry stored (encoded) documents. */
  readonly bulkWrite: (
    operations: ReadonlyArray<BulkOperation<I>>,
    options?: Omit<BulkWriteOptions, Managed>
  ) => Effect.Effect<BulkWriteResult, WriteFailure>
  /** Creates an index; its name. */
  readonly createIndex: (
    index: IndexSpecification,
    options?: Omit<CreateIndexesOptions, Managed>
  ) => Effect.Effect<string, WriteFailure>
  readonly dropIndex: (name: string) => Effect.Effect<void, WriteFailure>
  /** Drops the collection; whether it existed. */
  readonly drop: Effect.Effect<boolean, WriteFailure>
}
