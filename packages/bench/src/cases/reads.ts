/**
 * Case 1, reads: `findOne` by `_id` on a warm collection. The library routes
 * each read over two slaves (random order, its default); the raw driver reads
 * from one slave through a direct connection. A second scenario gives the
 * library that one slave only: the same node on every side, so the
 * difference is the library's own cost, apart from what spreading reads over
 * two server processes on the same cores does. That scenario also measures
 * the thinnest Effect wrapper of the raw driver and `effect-mongodb`, on the
 * same node: what any Effect program pays, and what another Effect library
 * pays.
 *
 * @since 0.1.0
 */

import * as Effect from "effect/Effect"
import * as Db from "effect-mongodb/Db"
import * as EffectMongo from "effect-mongodb/MongoClient"
import * as Clients from "../clients.js"
import type { BenchDocument } from "../cluster.js"
import type { BenchError } from "../errors.js"
import type { CaseResult, Figure } from "../results.js"
import { type Bench, compareSides, type SideRunners } from "./context.js"
import * as ReadById from "./readById.js"

/**
 * @since 0.1.0
 */
export const run = (bench: Bench): Effect.Effect<CaseResult, BenchError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { cluster, dataset, settings } = bench
      const slaveUris = cluster.slaveUris.slice(0, 2)
      const slave0 = cluster.slaveUris[0]!
      const client = yield* Clients.raw(slave0)
      const rawCollection = client.db(dataset.database).collection<BenchDocument>(dataset.reads)
      const effectMongodb = yield* Clients.effectMongodb(slave0)
      const effectMongodbCollection = Db.documentCollection(
        EffectMongo.db(effectMongodb, dataset.database),
        dataset.reads
      )

      const libraryOver = (uris: ReadonlyArray<string>) =>
        Effect.gen(function* () {
          const connection = yield* Clients.library(cluster.masterUri, uris)
          const collection = yield* Clients.libraryCollection(connection, dataset.database, dataset.reads)
          return ReadById.library(collection, dataset.documents)
        })
      const raw = ReadById.raw([rawCollection], dataset.documents)
      const scenarios: ReadonlyArray<{ scenario: string; uris: ReadonlyArray<string>; others: Partial<SideRunners> }> =
        [
          { scenario: "findOne by _id", uris: slaveUris, others: {} },
          {
            scenario: "findOne by _id, the library on slave 0 only",
            uris: [slave0],
            others: {
              thin: ReadById.thin(rawCollection, dataset.documents),
              "effect-mongodb": ReadById.effectMongodb(effectMongodbCollection, dataset.documents)
            }
          }
        ]

      const figures: Array<Figure> = []
      for (const { scenario, uris, others } of scenarios) {
        const library = yield* libraryOver(uris)
        for (const concurrency of settings.reads.concurrencies) {
          figures.push(
            ...(yield* compareSides(
              bench,
              { case: "reads", scenario, concurrency, slaves: uris.length },
              {
                sides: { ...others, library, raw },
                ops: settings.reads.ops(concurrency),
                warmupOps: settings.reads.warmupOps(concurrency)
              }
            ))
          )
        }
      }
      return {
        figures,
        notes: [
          `library: a MasterSlaveConnection over ${slaveUris.length} slaves (slaves = 2), or over slave 0 only (slaves = 1), with its defaults (random read order, ` +
            `attempt timeout ${Clients.defaultAttemptTimeoutMillis} ms); raw: one MongoClient on slave 0 (directConnection); ` +
            `${dataset.documents} documents, read by _id in turn; a read that finds nothing counts as failed`,
          "with the library on slave 0 only, two more sides read from slave 0: thin Effect, the raw driver's findOne in " +
            "Effect.tryPromise on the same long-lived worker fibers as the library, nothing else (what any Effect program " +
            "pays); and effect-mongodb 0.5.0 (DocumentCollection.findOne, its own client, on the workspace's mongodb " +
            "driver)"
        ],
        skipped: []
      }
    })
  )
