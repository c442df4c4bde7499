/**
 * The deployment the benchmark runs on, and its data: a local cluster
 * (PostgreSQL streaming replication + FerretDB, from the testkit) unless
 * `MSC_MASTER_URI`/`MSC_SLAVE_URIS` name one of your own.
 *
 * @since 0.1.0
 */
import { type Cluster, ExternalCluster, LocalCluster, Parts } from "@mongo-master-slave/testkit"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Clients from "./clients.js"
import { type BenchError, during } from "./errors.js"

/**
 * A line of progress for the person watching.
 *
 * @since 0.1.0
 */
export type Progress = (line: string) => Effect.Effect<void>

/**
 * Starts the local cluster with `slaves` slaves (installing its parts when
 * missing, saying so), or connects to the external one.
 *
 * @since 0.1.0
 */
export const acquire = (slaves: number, progress: Progress): Effect.Effect<Cluster.Cluster, BenchError, Scope.Scope> =>
  Effect.gen(function* () {
    if (yield* ExternalCluster.isConfigured) {
      const { masterUri, slaveUris } = yield* Effect.mapError(
        ExternalCluster.config,
        during("read MSC_MASTER_URI/MSC_SLAVE_URIS")
      )
      yield* progress(`using the deployment named by MSC_MASTER_URI/MSC_SLAVE_URIS (${slaveUris.length} slaves)`)
      return yield* Effect.mapError(ExternalCluster.make(masterUri, slaveUris), during("use the external cluster"))
    }
    const parts = yield* Effect.mapError(Parts.ensure(progress), during("install the local cluster's parts"))
    yield* progress(`starting a local cluster with ${slaves} slaves`)
    return yield* Effect.mapError(LocalCluster.make({ slaves, parts, progress }), during("start the local cluster"))
  })

/**
 * Where the benchmark's data lives.
 *
 * @since 0.1.0
 */
export interface Dataset {
  readonly database: string
  /** The warm collection reads look up by `_id` (`0..documents-1`). */
  readonly reads: string
  /** The collection writes insert into. */
  readonly writes: string
  readonly documents: number
  /** The collection causal scopes write to: one document per worker (up to `workers`), `{ _id: 0..workers-1, v: 0 }`. */
  readonly causal: string
  readonly workers: number
}

/**
 * A document of the read collection: a small user-like record.
 *
 * @since 0.1.0
 */
export const document = (i: number) => ({
  _id: i,
  name: `user-${i}`,
  email: `user-${i}@example.com`,
  group: i % 10,
  score: (i * 7919) % 1000,
  tags: ["bench", `g${i % 10}`],
  createdAt: new Date(Date.UTC(2024, 0, 1) + i * 60_000),
  bio: "x".repeat(120)
})

/**
 * @since 0.1.0
 */
export type BenchDocument = ReturnType<typeof document>

/**
 * Creates the data on the master — the read collection with its documents,
 * the (empty) write collection and the causal scopes' documents — and waits
 * until every slave serves it.
 * Every collection is created here, before any measurement: with FerretDB a
 * collection created later would restart the slaves' servers (see the
 * testkit's `waitForReplication`) in the middle of a case.
 *
 * @since 0.1.0
 */
export const seed = (
  cluster: Cluster.Cluster,
  documents: number,
  progress: Progress
): Effect.Effect<Dataset, BenchError, Scope.Scope> =>
  Effect.gen(function* () {
    const dataset: Dataset = {
      database: "msc_bench",
      reads: "reads",
      writes: "writes",
      documents,
      causal: "causal",
      workers: 64
    }
    yield* Effect.scoped(
      Effect.gen(function* () {
        const master = yield* Clients.raw(cluster.masterUri)
        const db = master.db(dataset.database)
        yield* Effect.tryPromise({
          try: async () => {
            await db.dropDatabase()
            await db.createCollection(dataset.writes)
            await db
              .collection<{ _id: number; v: number }>(dataset.causal)
              .insertMany(Array.from({ length: dataset.workers }, (_, i) => ({ _id: i, v: 0 })))
            await db
              .collection<BenchDocument>(dataset.reads)
              .insertMany(Array.from({ length: documents }, (_, i) => document(i)))
          },
          catch: during("write the benchmark's data on the master")
        })
      })
    )
    yield* progress(`wrote ${documents} documents to ${dataset.database}.${dataset.reads}; waiting for the slaves`)
    yield* Effect.mapError(cluster.waitForReplication(), during("wait for the slaves to replicate the data"))
    yield* Effect.forEach(cluster.slaveUris, (uri, i) =>
      Effect.scoped(
        Effect.gen(function* () {
          const slave = yield* Clients.raw(uri)
          const count = yield* Effect.tryPromise({
            try: () => slave.db(dataset.database).collection(dataset.reads).countDocuments(),
            catch: during(`count the documents on slave ${i}`)
          })
          if (count !== documents) {
            return yield* during("check the slaves' data")(
              `slave ${i} (${uri}) serves ${count} of the ${documents} documents after waitForReplication`
            )
          }
        })
      )
    )
    // leave no trace on a deployment of your own (a local cluster is deleted whole)
    if (cluster.kind === "external") {
      yield* Effect.addFinalizer(() =>
        Effect.scoped(
          Effect.flatMap(Clients.raw(cluster.masterUri), (master) =>
            Effect.tryPromise(() => master.db(dataset.database).dropDatabase())
          )
        ).pipe(Effect.ignore)
      )
    }
    return dataset
  })
