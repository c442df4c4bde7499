/**
 * A loop of `findOne` by `_id` on one slave, or of `insertOne` on the master,
 * for `node --cpu-prof`: the library's operation, or the thinnest Effect
 * wrapper of the raw driver's — the bench's own sides (`src/cases/readById.ts`,
 * `src/cases/writes.ts`) — with the CPU time per operation. Against a cluster
 * of `npm run cluster -- up --slaves 1 --env-file F`, with the packages built
 * (`npm run build`):
 *
 *   set -a; . F; set +a
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
import { type BenchDocument, document } from "../src/cluster.js"
import { measureEffect, type Runner } from "../src/workload.js"

const [kind = "read", side = "library", concurrencyArg = "16", opsArg = "20000"] = process.argv.slice(2)
if (kind !== "read" && kind !== "insert") throw new Error(`expected read or insert, got ${kind}`)
if (side !== "library" && side !== "thin") throw new Error(`expected library or thin, got ${side}`)
const concurrency = Number(concurrencyArg)
const ops = Number(opsArg)
const masterUri = process.env.MSC_MASTER_URI
const slaveUri = process.env.MSC_SLAVE_URIS?.split(",")[0]
if (masterUri === undefined || slaveUri === undefined) throw new Error("set MSC_MASTER_URI and MSC_SLAVE_URIS")
const documents = 1000
const database = "profile"

const program = Effect.scoped(
  Effect.gen(function* () {
    const master = yield* Clients.raw(masterUri)
    const library = yield* Clients.library(masterUri, [slaveUri])
    let run: Runner
    if (kind === "insert") {
      const raw = master.db(database).collection("loop")
      const collection = yield* Clients.libraryCollection(library, database, "loop")
      run =
        side === "thin"
          ? measureEffect((i) => Effect.tryPromise(() => raw.insertOne(newDocument("thin", i))))
          : measureEffect((i) => collection.insertOne(newDocument("library", i)))
    } else {
      const seed = master.db(database).collection<BenchDocument>("docs")
      if ((yield* Effect.promise(() => seed.countDocuments())) < documents) {
        yield* Effect.promise(() => seed.insertMany(Array.from({ length: documents }, (_, i) => document(i))))
      }
      run =
        side === "thin"
          ? ReadById.thin(
              (yield* Clients.raw(slaveUri, Clients.rawSlaveOptions(Clients.defaultAttemptTimeoutMillis)))
                .db(database)
                .collection<BenchDocument>("docs"),
              documents
            )
          : ReadById.library(yield* Clients.libraryCollection(library, database, "docs"), documents)
    }
    // a warm-up, which also waits for the slave to have the documents
    yield* Effect.retry(
      Effect.filterOrFail(run({ ops: documents, concurrency: 1 }), (sample) => sample.errors === 0),
      { times: 100 }
    )
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
