/**
 * The read every read case measures: `findOne` by `_id`, the ids in turn. A
 * read that finds nothing counts as failed on every side: a lagging slave
 * must not look fast.
 *
 * @since 0.1.0
 */
import type { Collection, Document } from "@mongo-master-slave/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as DocumentCollection from "effect-mongodb/DocumentCollection"
import type { Filter, Document as MongoDocument, Collection as RawCollection } from "mongodb"
import type { BenchDocument } from "../cluster.js"
import { BenchError } from "../errors.js"
import { measureEffect, measurePromise, type Runner } from "../workload.js"

const notFound = (id: number) => new BenchError({ step: "findOne", reason: `document ${id} not found` })

/**
 * The library's read number `i`, as an Effect, for a case to run as it
 * needs (in a request, in a causal scope, ...).
 *
 * @since 0.2.0
 */
export const libraryRead =
  (collection: Collection.Collection<Document.Document, Document.Document>, documents: number) => (i: number) => {
    const id = i % documents
    return Effect.flatMap(collection.findOne({ _id: id }), (found) =>
      Option.isSome(found) ? Effect.void : Effect.fail(notFound(id))
    )
  }

/**
 * Reads through the library's routed collection.
 *
 * @since 0.1.0
 */
export const library = (
  collection: Collection.Collection<Document.Document, Document.Document>,
  documents: number
): Runner => measureEffect(libraryRead(collection, documents))

/**
 * Reads with the thinnest Effect wrapper of the raw driver: the driver's
 * Promise in `Effect.tryPromise`, run by the workers' fibers, nothing else.
 *
 * @since 0.2.0
 */
export const thin = (collection: RawCollection<BenchDocument>, documents: number): Runner =>
  measureEffect((i) => {
    const id = i % documents
    return Effect.flatMap(
      Effect.tryPromise(() => collection.findOne({ _id: id })),
      (found) => (found === null ? Effect.fail(notFound(id)) : Effect.void)
    )
  })

// effect-mongodb's document API types a filter on `_id` as an ObjectId one; ours are numbers
const byId = (id: number) => ({ _id: id }) as unknown as Filter<MongoDocument>

/**
 * Reads with `effect-mongodb`'s document API (`DocumentCollection.findOne`).
 *
 * @since 0.2.0
 */
export const effectMongodb = (collection: DocumentCollection.DocumentCollection, documents: number): Runner =>
  measureEffect((i) => {
    const id = i % documents
    return Effect.flatMap(DocumentCollection.findOne(collection, byId(id)), (found) =>
      Option.isSome(found) ? Effect.void : Effect.fail(notFound(id))
    )
  })

/**
 * Reads with raw driver clients, a random one of them per read (one: always it).
 *
 * @since 0.1.0
 */
export const raw = (collections: ReadonlyArray<RawCollection<BenchDocument>>, documents: number): Runner =>
  measurePromise(async (i) => {
    const id = i % documents
    const target = collections[Math.floor(Math.random() * collections.length)]!
    if ((await target.findOne({ _id: id })) === null) throw notFound(id)
  })
