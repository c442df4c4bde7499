/**
 * A loop of `findOne` by `_id` on one slave, or of `insertOne` on the master,
 * for `node --cpu-prof`: the library's operation, or the thinnest Effect
 * wrapper of the raw driver's — the bench's own sides (`src/cases/readById.ts`,
 * `src/cases/writes.ts`) — with the CPU time per operation. On the cluster
 * of `profileCluster.ts` (a local one, unless MSC_MASTER_URI/MSC_SLAVE_URIS
 * name one), with the packages built (`npm run build`):
 *
 *   node --import tsx --cpu-prof --cpu-prof-dir /tmp/prof/thin packages/bench/profile/loop.ts read thin 16 20000
 *   node --import tsx --cpu-prof --cpu-prof-dir /tmp/prof/library packages/bench/profile/loop.ts read library 16 20000
 *
 * Arguments: `read` or `insert`, the side (`library` or `thin`), the
 * concurrency, the operations per round.
 */
import * as Effect from "effect/Effect"
import * as ReadById from "../src/cases/readById.js"
import { newDocument } from "../src/cases/writes.js"
import * as Clients from "../src/clients.js"
import type { BenchDocument } from "../src/cluster.js"
import { measureEffect, type Runner } from "../src/workload.js"
import { profileCluster } from "./profileCluster.js"

const [kind = "read", side = "library", concurrencyArg = "16", opsArg = "20000"] = process.argv.slice(2)
if (kind !== "read" && kind !== "insert") throw new Error(`expected read or insert, got ${kind}`)
if (side !== "library" && side !== "thin") throw new Error(`expected library or thin, got ${side}`)
const concurrency = Number(concurrencyArg)
const ops = Number(opsArg)

const program = Effect.scoped(
  Effect.gen(function* () {
    const { masterUri, slaveUri, dataset } = yield* profileCluster
    const { database, documents } = dataset
    const master = yield* Clients.raw(masterUri)
    const library = yield* Clients.library(masterUri, [slaveUri])
    let run: Runner
    if (kind === "insert") {
      const raw = master.db(database).collection(dataset.writes)
      const collection = yield* Clients.libraryCollection(library, database, dataset.writes)
      run =
        side === "thin"
          ? measureEffect((i) => Effect.tryPromise(() => raw.insertOne(newDocument("thin", i))))
          : measureEffect((i) => collection.insertOne(newDocument("library", i)))
    } else {
      run =
        side === "thin"
          ? ReadById.thin(
              (yield* Clients.raw(slaveUri, Clients.rawSlaveOptions(Clients.defaultAttemptTimeoutMillis)))
                .db(database)
                .collection<BenchDocument>(dataset.reads),
              documents
            )
          : ReadById.library(yield* Clients.libraryCollection(library, database, dataset.reads), documents)
    }
    // a warm-up (the slave serves the documents already: profileCluster waits for it)
    const warmUp = yield* run({ ops: documents, concurrency: 1 })
    if (warmUp.errors > 0) return yield* Effect.dieMessage(`the warm-up failed: ${warmUp.firstError}`)
    for (let round = 0; round < 3; round++) {
      const sample = yield* run({ ops, concurrency })
      console.log(
        kind,
        side,
        concurrency,
        `${Math.round(sample.opsPerSec)} ops/s, ${sample.cpu.perOpMicros.toFixed(1)} µs CPU per operation`
      )
    }
  })
)

Effect.runPromise(program).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
