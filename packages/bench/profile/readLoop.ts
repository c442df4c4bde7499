/**
 * A loop of `findOne` by `_id` on one slave, for `node --cpu-prof`: the
 * library's routed read, or the thinnest Effect wrapper of the raw driver
 * (its Promise in `Effect.promise` on the same worker fibers), with the CPU
 * time per read. Against a cluster of `npm run cluster -- up --slaves 1
 * --env-file F`, with the packages built (`npm run build`):
 *
 *   set -a; . F; set +a
 *   node --import tsx --cpu-prof --cpu-prof-dir /tmp/prof/thin packages/bench/profile/readLoop.ts thin 1 8000
 *   node --import tsx --cpu-prof --cpu-prof-dir /tmp/prof/library packages/bench/profile/readLoop.ts library 1 8000
 *
 * Arguments: the side (`library` or `thin`), the concurrency, the reads per round.
 */
import { Master, MasterSlaveConnection, Slaves } from "@mongo-master-slave/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { MongoClient } from "mongodb"

const [side = "library", concurrencyArg = "16", readsArg = "20000"] = process.argv.slice(2)
const concurrency = Number(concurrencyArg)
const reads = Number(readsArg)
const masterUri = process.env.MSC_MASTER_URI
const slaveUri = process.env.MSC_SLAVE_URIS?.split(",")[0]
if (masterUri === undefined || slaveUri === undefined) throw new Error("set MSC_MASTER_URI and MSC_SLAVE_URIS")
const documents = 1000

const program = Effect.scoped(
  Effect.gen(function* () {
    const setup = yield* Effect.acquireRelease(
      Effect.promise(() => new MongoClient(masterUri).connect()),
      (client) => Effect.promise(() => client.close())
    )
    const seed = setup.db("profile").collection<{ _id: number; v: string }>("docs")
    if ((yield* Effect.promise(() => seed.countDocuments())) < documents) {
      yield* Effect.promise(() =>
        seed.insertMany(Array.from({ length: documents }, (_, i) => ({ _id: i, v: "x".repeat(200) })))
      )
    }
    let read: (i: number) => Effect.Effect<unknown, unknown>
    if (side === "thin") {
      const client = yield* Effect.acquireRelease(
        Effect.promise(() =>
          new MongoClient(slaveUri, {
            serverSelectionTimeoutMS: 2000,
            connectTimeoutMS: 2000,
            socketTimeoutMS: 2000
          }).connect()
        ),
        (client) => Effect.promise(() => client.close())
      )
      const collection = client.db("profile").collection<{ _id: number }>("docs")
      read = (i) =>
        Effect.flatMap(
          Effect.promise(() => collection.findOne({ _id: i % documents })),
          (found) => (found === null ? Effect.fail("not found") : Effect.void)
        )
    } else {
      const context = yield* Layer.build(
        MasterSlaveConnection.layer().pipe(
          Layer.provide(Layer.merge(Master.layer({ uri: masterUri }), Slaves.layer({ uris: [slaveUri] })))
        )
      )
      const connection = Context.get(context, MasterSlaveConnection.MasterSlaveConnection)
      const collection = yield* Effect.flatMap(connection.database("profile"), (db) => db.collection("docs"))
      read = (i) =>
        Effect.flatMap(collection.findOne({ _id: i % documents }), (found) =>
          Option.isSome(found) ? Effect.void : Effect.fail("not found")
        )
    }
    // the slave has the documents
    yield* Effect.retry(read(documents - 1), { times: 100 })
    const round = (count: number) =>
      Effect.gen(function* () {
        let next = 0
        const started = performance.now()
        const cpu = process.cpuUsage()
        yield* Effect.forEach(
          Array.from({ length: concurrency }),
          () =>
            Effect.gen(function* () {
              while (next < count) yield* read(next++)
            }),
          { concurrency: "unbounded", discard: true }
        )
        const used = process.cpuUsage(cpu)
        return {
          readsPerSecond: Math.round((count / (performance.now() - started)) * 1000),
          cpuMicrosPerRead: Number(((used.user + used.system) / count).toFixed(1))
        }
      })
    yield* round(3000)
    for (let i = 0; i < 3; i++) console.log(side, concurrency, JSON.stringify(yield* round(reads)))
  })
)

Effect.runPromise(program).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
