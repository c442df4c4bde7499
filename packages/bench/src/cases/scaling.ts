/**
 * Case 4, scaling: read throughput with 1, 2 and 4 slaves at one
 * concurrency. The library reads over the first k slaves; the raw baseline
 * reads from a random one of the same k slaves, each through its own client.
 *
 * @since 0.1.0
 */

import * as Os from "node:os"
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
      const counts = settings.scaling.slaveCounts.filter((k) => k <= cluster.slaveUris.length)
      const skippedCounts = settings.scaling.slaveCounts.filter((k) => k > cluster.slaveUris.length)
      const rawClients = yield* Effect.forEach(cluster.slaveUris.slice(0, Math.max(...counts)), (uri) =>
        Clients.raw(uri)
      )
      const rawCollections = rawClients.map((client) =>
        client.db(dataset.database).collection<BenchDocument>(dataset.reads)
      )

      const figures: Array<Figure> = []
      for (const k of counts) {
        yield* Effect.scoped(
          Effect.gen(function* () {
            const connection = yield* Clients.library(cluster.masterUri, cluster.slaveUris.slice(0, k))
            const collection = yield* Clients.libraryCollection(connection, dataset.database, dataset.reads)
            const library = ReadById.library(collection, dataset.documents)
            const raw = ReadById.raw(rawCollections.slice(0, k), dataset.documents)
            for (const concurrency of settings.scaling.concurrencies) {
              figures.push(
                ...(yield* compareSides(
                  bench,
                  { case: "scaling", scenario: `${k} slave${k === 1 ? "" : "s"}`, concurrency, slaves: k },
                  {
                    sides: { library, raw },
                    ops: settings.scaling.ops(concurrency),
                    warmupOps: settings.scaling.warmupOps(concurrency)
                  }
                ))
              )
            }
          })
        )
      }

      const busiest = Math.max(...figures.map((figure) => figure.cpu.machineBusy))
      const benchCores = Math.max(...figures.map((figure) => figure.cpu.processCores))
      return {
        figures,
        notes: [
          `library: a MasterSlaveConnection over the first k slaves (random read order); raw: a random one of the ` +
            "same k slaves per read, each with its own MongoClient",
          `what limits it: this machine has ${Os.cpus().length} cores, shared by every PostgreSQL node, every FerretDB ` +
            `and the benchmark itself; during these rounds the machine was up to ${(busiest * 100).toFixed(0)}% busy ` +
            `and the benchmark process alone used up to ${benchCores.toFixed(2)} cores, so more slaves add servers but ` +
            "no CPU to run them: on one machine the throughput cannot scale with the slaves"
        ],
        skipped:
          skippedCounts.length === 0
            ? []
            : [
                {
                  case: "scaling",
                  reason: `${skippedCounts.join(", ")} slaves: the cluster has only ${cluster.slaveUris.length}`
                }
              ]
      }
    })
  )
