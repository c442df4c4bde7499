/**
 * The data at the end of a run, read with the raw driver straight from each
 * node (not through the proxies, not through the library).
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { MongoClient } from "mongodb"
import { describe as describeError } from "../errors.js"
import type { NodeData } from "./dataChecks.js"
import { dataNamespace } from "./topology.js"

/**
 * Reads every document's version and every counter from one node, retrying
 * for a few seconds (a slave may have just been restarted).
 *
 * @since 0.2.0
 */
export const read = (uri: string): Effect.Effect<NodeData, string> =>
  Effect.acquireUseRelease(
    Effect.sync(
      () =>
        new MongoClient(uri, {
          directConnection: true,
          serverSelectionTimeoutMS: 5_000,
          socketTimeoutMS: 30_000,
          retryReads: false
        })
    ),
    (client) =>
      Effect.tryPromise({
        try: async () => {
          const db = client.db(dataNamespace.database)
          const docs = await db
            .collection<{ _id: string; v: number }>(dataNamespace.docs)
            .find({}, { projection: { _id: 1, v: 1 } })
            .toArray()
          const counters = await db.collection<{ _id: string; n: number }>(dataNamespace.counters).find({}).toArray()
          return {
            versions: new Map(docs.map((d) => [String(d._id), typeof d.v === "number" ? d.v : Number.NaN])),
            counters: new Map(counters.map((c) => [String(c._id), c.n]))
          }
        },
        catch: (error) => `could not read ${uri}: ${describeError(error)}`
      }).pipe(Effect.retry(Schedule.spaced("500 millis").pipe(Schedule.compose(Schedule.recurs(10))))),
    (client) => Effect.promise(() => client.close(true))
  )
