/**
 * The operations the profiles of the library's own cost measure, with no
 * I/O: `findOne` and `insertOne` over the overhead case's stub nodes
 * (`src/cases/stub.ts`), by the library and by the thinnest Effect wrapper of
 * the same stub call, and the library's read again with a tracer installed
 * that keeps nothing. Shared by `allocations.ts` and `steps.ts`.
 */

import type { Collection } from "@mongo-master-slave/core"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { stubCollection, stubConnection, stubNewDocument, tracerKeepingNothing } from "../src/cases/stub.js"
import type { BenchError } from "../src/errors.js"

/** One operation to profile: its name, and one run of it. */
export interface StubOperation {
  readonly name: string
  readonly run: () => Effect.Effect<unknown, unknown>
  /** Measured under a tracer that keeps nothing (see {@link underItsTracer}). */
  readonly traced: boolean
}

const filter = { _id: 1 }

/** The operations, over a connection to one stub slave that lives as long as the scope. */
export const stubOperations: Effect.Effect<ReadonlyArray<StubOperation>, BenchError, Scope.Scope> = Effect.gen(
  function* () {
    const connection = yield* stubConnection(1)
    const collection: Collection.Collection = yield* Effect.orDie(
      Effect.flatMap(connection.database("bench"), (db) => db.collection("stub"))
    )
    return [
      { name: "findOne, thin", run: () => Effect.tryPromise(() => stubCollection.findOne(filter)), traced: false },
      { name: "findOne, library", run: () => collection.findOne(filter), traced: false },
      {
        name: "insertOne, thin",
        run: () => Effect.tryPromise(() => stubCollection.insertOne({ ...stubNewDocument })),
        traced: false
      },
      { name: "insertOne, library", run: () => collection.insertOne({ ...stubNewDocument }), traced: false },
      { name: "findOne, library, a tracer installed", run: () => collection.findOne(filter), traced: true }
    ]
  }
)

/** A measure of the operation, under the tracer that keeps nothing if it is a traced one, around the whole measure. */
export const underItsTracer = <A, E>(operation: StubOperation, measure: Effect.Effect<A, E>): Effect.Effect<A, E> =>
  operation.traced ? Effect.withTracer(measure, tracerKeepingNothing) : measure
