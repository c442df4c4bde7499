/**
 * Case 1, reads: `findOne` by `_id` on a warm collection. The library routes
 * each read over two slaves (random order, its default); the raw driver reads
 * from one slave through a direct connection. A second scenario gives the
 * library that one slave only: the same node on both sides, so the difference
 * is the library's own cost, apart from what spreading reads over two server
 * processes on the same cores does.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Clients from "../clients.js"
import type { BenchDocument } from "../cluster.js"
import type { BenchError } from "../errors.js"
import type { CaseResult, Figure } from "../results.js"
import { type Bench, compareSides } from "./context.js"
import * as ReadById from "./readById.js"

/**
 * @since 0.1.0
 */
export const run = (bench: Bench): Effect.Effect<CaseResult, BenchError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { cluster, dataset, settings } = bench
      const slaveUris = cluster.slaveUris.slice(0, 2)
      const client = yield* Clients.raw(cluster.slaveUris[0]!)
      const rawCollection = client.db(dataset.database).collection<BenchDocument>(dataset.reads)

      const libraryOver = (uris: ReadonlyArray<string>) =>
        Effect.gen(function* () {
          const connection = yield* Clients.library(cluster.masterUri, uris)
          const collection = yield* Clients.libraryCollection(connection, dataset.database, dataset.reads)
          return ReadById.library(collection, dataset.documents)
        })
      const scenarios = [
        { scenario: "findOne by _id", uris: slaveUris },
        { scenario: "findOne by _id, the library on slave 0 only", uris: [cluster.slaveUris[0]!] }
      ]
      const raw = ReadById.raw([rawCollection], dataset.documents)

      const figures: Array<Figure> = []
      for (const { scenario, uris } of scenarios) {
        const library = yield* libraryOver(uris)
        for (const concurrency of settings.reads.concurrencies) {
          figures.push(
            ...(yield* compareSides(
              bench,
              { case: "reads", scenario, concurrency, slaves: uris.length },
              {
                library,
                raw,
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
            `${dataset.documents} documents, read by _id in turn; a read that finds nothing counts as failed`
        ],
        skipped: []
      }
    })
  )
