/**
 * Case 2, writes: `insertOne` on the master, acknowledged (w: 1, the
 * default of every client), by the library, the raw driver, the thinnest
 * Effect wrapper of the raw driver and `effect-mongodb`.
 *
 * @since 0.1.0
 */

import * as Effect from "effect/Effect"
import * as Db from "effect-mongodb/Db"
import * as DocumentCollection from "effect-mongodb/DocumentCollection"
import * as EffectMongo from "effect-mongodb/MongoClient"
import * as Clients from "../clients.js"
import type { BenchError } from "../errors.js"
import type { CaseResult, Figure } from "../results.js"
import { measureEffect, measurePromise } from "../workload.js"
import { type Bench, compareSides } from "./context.js"

const payload = "y".repeat(120)

/**
 * A new document to insert; the driver gives it its `_id` on both sides.
 *
 * @since 0.1.0
 */
export const newDocument = (side: string, i: number) => ({
  side,
  n: i,
  group: i % 10,
  at: new Date(),
  payload
})

/**
 * @since 0.1.0
 */
export const run = (bench: Bench): Effect.Effect<CaseResult, BenchError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { cluster, dataset, settings } = bench
      const slaveUris = cluster.slaveUris.slice(0, 2)
      const connection = yield* Clients.library(cluster.masterUri, slaveUris)
      const safe = yield* connection.safe
      const collection = yield* Clients.libraryCollection(connection, dataset.database, dataset.writes)
      const client = yield* Clients.raw(cluster.masterUri)
      const rawCollection = client.db(dataset.database).collection(dataset.writes)
      const effectMongodb = yield* Clients.effectMongodb(cluster.masterUri)
      const effectMongodbCollection = Db.documentCollection(
        EffectMongo.db(effectMongodb, dataset.database),
        dataset.writes
      )

      const sides = {
        library: measureEffect((i) => collection.insertOne(newDocument("library", i))),
        raw: measurePromise((i) => rawCollection.insertOne(newDocument("raw", i))),
        thin: measureEffect((i) => Effect.tryPromise(() => rawCollection.insertOne(newDocument("thin", i)))),
        "effect-mongodb": measureEffect((i) =>
          DocumentCollection.insertOne(effectMongodbCollection, newDocument("effect-mongodb", i))
        )
      }

      const figures: Array<Figure> = []
      for (const concurrency of settings.writes.concurrencies) {
        figures.push(
          ...(yield* compareSides(
            bench,
            { case: "writes", scenario: "insertOne", concurrency, slaves: slaveUris.length },
            {
              sides,
              ops: settings.writes.ops(concurrency),
              warmupOps: settings.writes.warmupOps(concurrency)
            }
          ))
        )
      }
      return {
        figures,
        notes: [
          `library: insertOne through the MasterSlaveConnection (safe: ${safe}, i.e. acknowledged with the driver's ` +
            "default write concern); raw: insertOne with a MongoClient on the master; thin Effect: the raw driver's insertOne " +
            "in Effect.tryPromise on long-lived worker fibers, nothing else; effect-mongodb 0.5.0: " +
            "DocumentCollection.insertOne with its own client; each insert a new ~250-byte document"
        ],
        skipped: []
      }
    })
  )
