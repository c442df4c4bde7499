/**
 * A loop of `findOne` by `_id` on one slave, for `node --cpu-prof`: the
 * library's routed read, or the thinnest Effect wrapper of the raw driver —
 * the bench's own sides (`src/cases/readById.ts`) — with the CPU time per
 * read. Against a cluster of `npm run cluster -- up --slaves 1 --env-file F`,
 * with the packages built (`npm run build`):
 *
 *   set -a; . F; set +a
 *   node --import tsx --cpu-prof --cpu-prof-dir /tmp/prof/thin packages/bench/profile/readLoop.ts thin 1 8000
 *   node --import tsx --cpu-prof --cpu-prof-dir /tmp/prof/library packages/bench/profile/readLoop.ts library 1 8000
 *
 * Arguments: the side (`library` or `thin`), the concurrency, the reads per round.
 */
import * as Effect from "effect/Effect"
import * as ReadById from "../src/cases/readById.js"
import * as Clients from "../src/clients.js"
import { type BenchDocument, document } from "../src/cluster.js"

const [side = "library", concurrencyArg = "16", readsArg = "20000"] = process.argv.slice(2)
const concurrency = Number(concurrencyArg)
const reads = Number(readsArg)
const masterUri = process.env.MSC_MASTER_URI
const slaveUri = process.env.MSC_SLAVE_URIS?.split(",")[0]
if (masterUri === undefined || slaveUri === undefined) throw new Error("set MSC_MASTER_URI and MSC_SLAVE_URIS")
const documents = 1000
const database = "profile"

const program = Effect.scoped(
  Effect.gen(function* () {
    const master = yield* Clients.raw(masterUri)
    const seed = master.db(database).collection<BenchDocument>("docs")
    if ((yield* Effect.promise(() => seed.countDocuments())) < documents) {
      yield* Effect.promise(() => seed.insertMany(Array.from({ length: documents }, (_, i) => document(i))))
    }
    const run =
      side === "thin"
        ? ReadById.thin(
            (yield* Clients.raw(slaveUri, Clients.rawSlaveOptions(Clients.defaultAttemptTimeoutMillis)))
              .db(database)
              .collection<BenchDocument>("docs"),
            documents
          )
        : ReadById.library(
            yield* Clients.libraryCollection(yield* Clients.library(masterUri, [slaveUri]), database, "docs"),
            documents
          )
    // a warm-up, which also waits for the slave to have the documents
    yield* Effect.retry(
      Effect.filterOrFail(run({ ops: documents, concurrency: 1 }), (sample) => sample.errors === 0),
      { times: 100 }
    )
    for (let round = 0; round < 3; round++) {
      const sample = yield* run({ ops: reads, concurrency })
      console.log(
        side,
        concurrency,
        `${Math.round(sample.opsPerSec)} reads/s, ${sample.cpu.perOpMicros.toFixed(1)} µs CPU per read`
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
