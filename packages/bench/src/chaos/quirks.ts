/**
 * Two behaviours reported of the stand-in (FerretDB 1.24 on PostgreSQL),
 * checked with the raw `mongodb` driver alone — no library in the way — so
 * the chaos run can tell the stand-in's faults from the library's:
 *
 * - **concurrent `$inc`**: several clients increment one field of one
 *   document at once; does the final value hold every acknowledged increment?
 * - **a failed `w: 0` write**: a fire-and-forget insert that the server
 *   refuses (a duplicate key); does the connection that sent it answer the
 *   next commands with the right replies?
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { MongoClient } from "mongodb"
import { type BenchError, during } from "../errors.js"

/**
 * What the concurrent `$inc` check saw.
 *
 * @since 0.2.0
 */
export interface IncFinding {
  readonly clients: number
  readonly incrementsPerClient: number
  /** Increments the server acknowledged. */
  readonly acknowledged: number
  /** The counter's final value. */
  readonly final: number
  /** Acknowledged increments missing from the final value. */
  readonly lost: number
  /** The same number of increments from one client, one at a time: the control. */
  readonly sequential: { readonly acknowledged: number; readonly final: number }
}

/**
 * What the `w: 0` write check saw.
 *
 * @since 0.2.0
 */
export interface W0Finding {
  readonly rounds: number
  /** Rounds in which a command after a failed `w: 0` write got a wrong answer (or an error). */
  readonly wrongAnswers: number
  /** Rounds in which a successful `w: 0` write (the control) was followed by a wrong answer. */
  readonly controlWrongAnswers: number
  /** The first wrong answer after a failed `w: 0` write, described. */
  readonly example: string | undefined
  /** The first wrong answer after a successful one, described. */
  readonly controlExample: string | undefined
}

/**
 * Which `w: 0` writes leave their connection answering later commands
 * wrongly: none, only those the server refused, or every one.
 *
 * @since 0.2.0
 */
export type W0Desync = "none" | "failed writes" | "every write"

/**
 * Both findings, and what they confirm about this deployment.
 *
 * @since 0.2.0
 */
export interface Findings {
  readonly inc: IncFinding
  readonly w0: W0Finding
  /** Concurrent `$inc` lost acknowledged increments (and the sequential control did not). */
  readonly incLosesUpdates: boolean
  /** Which `w: 0` writes desynchronise their connection. */
  readonly w0Desync: W0Desync
}

/**
 * What the findings mean, one line each, for the report.
 *
 * @since 0.2.0
 */
export const describeFindings = (findings: Findings): ReadonlyArray<string> => {
  const { inc, w0 } = findings
  return [
    `concurrent $inc on one document (${inc.clients} raw clients × ${inc.incrementsPerClient}): ` +
      `${inc.acknowledged} acknowledged, final value ${inc.final}` +
      (findings.incLosesUpdates
        ? ` — ${inc.lost} increments LOST by the stand-in (sequential control: ${inc.sequential.final}/${inc.sequential.acknowledged})`
        : inc.lost > 0
          ? ` — ${inc.lost} lost, but the sequential control lost some too (${inc.sequential.final}/${inc.sequential.acknowledged})`
          : " — none lost"),
    `w:0 writes on a one-connection raw client (${w0.rounds} rounds each): next commands wrong after ` +
      `${w0.wrongAnswers} failed and ${w0.controlWrongAnswers} successful w:0 writes` +
      (findings.w0Desync === "none"
        ? " — no desynchronisation"
        : ` — ${findings.w0Desync === "every write" ? "EVERY" : "a failed"} w:0 write desynchronises the connection` +
          ` (e.g. ${w0.example ?? w0.controlExample})`)
  ]
}

/**
 * Where the checks write: a database of their own, created before the
 * slaves start (FerretDB's catalog).
 *
 * @since 0.2.0
 */
export const namespace = { database: "msc_chaos_quirks", collection: "quirks" } as const

const client = (uri: string, maxPoolSize: number): Effect.Effect<MongoClient, BenchError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () =>
        new MongoClient(uri, {
          maxPoolSize,
          serverSelectionTimeoutMS: 5_000,
          socketTimeoutMS: 5_000,
          retryWrites: false,
          retryReads: false
        }).connect(),
      catch: during(`connect the raw driver to ${uri}`)
    }),
    (c) => Effect.promise(() => c.close(true))
  )

interface Counter {
  _id: string
  n: number
}

/**
 * `clients` separate clients each send `increments` `$inc: { n: 1 }` to one
 * document, all at once; then one client sends as many, one at a time.
 *
 * @since 0.2.0
 */
export const concurrentInc = (
  masterUri: string,
  clients = 8,
  increments = 40
): Effect.Effect<IncFinding, BenchError, Scope.Scope> =>
  Effect.gen(function* () {
    const all = yield* Effect.forEach(Array.from({ length: clients }), () => client(masterUri, 1))
    const counters = (c: MongoClient) => c.db(namespace.database).collection<Counter>(namespace.collection)
    const run = (id: string, parallel: boolean) =>
      Effect.tryPromise({
        try: async () => {
          const first = counters(all[0]!)
          await first.deleteOne({ _id: id })
          await first.insertOne({ _id: id, n: 0 })
          let acknowledged = 0
          const worker = async (c: MongoClient) => {
            for (let i = 0; i < increments; i++) {
              const result = await counters(c).updateOne({ _id: id }, { $inc: { n: 1 } })
              if (result.acknowledged && result.modifiedCount === 1) acknowledged++
            }
          }
          if (parallel) await Promise.all(all.map(worker))
          else for (let k = 0; k < clients; k++) await worker(all[0]!)
          const final = (await first.findOne({ _id: id }))?.n ?? Number.NaN
          return { acknowledged, final }
        },
        catch: during(`increment ${id} on the master`)
      })
    const parallel = yield* run("inc-concurrent", true)
    const sequential = yield* run("inc-sequential", false)
    return {
      clients,
      incrementsPerClient: increments,
      acknowledged: parallel.acknowledged,
      final: parallel.final,
      lost: Math.max(0, parallel.acknowledged - parallel.final),
      sequential
    }
  })

/**
 * On a fresh client with a single connection: an acknowledged insert, then a
 * `w: 0` insert of an `_id` that exists (refused by the server, and nobody
 * told), then commands whose answers are known. The control does the same
 * with a `w: 0` insert that succeeds. Each round has a client of its own, so
 * one round's damage cannot leak into the next.
 *
 * @since 0.2.0
 */
export const failedW0 = (masterUri: string, rounds = 5): Effect.Effect<W0Finding, BenchError> =>
  Effect.gen(function* () {
    const round = (i: number, failing: boolean) =>
      Effect.scoped(
        Effect.gen(function* () {
          const c = yield* client(masterUri, 1)
          const docs = c.db(namespace.database).collection<{ _id: string; k: number }>(namespace.collection)
          return yield* Effect.tryPromise({
            try: async (): Promise<string | undefined> => {
              const known = `w0-known-${i}-${failing ? "f" : "c"}`
              const target = `w0-target-${i}-${failing ? "f" : "c"}`
              await docs.deleteMany({ _id: { $in: [known, target] } })
              await docs.insertOne({ _id: known, k: i })
              if (failing) await docs.insertOne({ _id: target, k: -1 })
              // refused when failing (a duplicate key): with w:0 the driver does not wait for a reply
              await docs.insertOne({ _id: target, k: -2 }, { writeConcern: { w: 0 } })
              const problems: Array<string> = []
              const check = async (what: string, f: () => Promise<string | undefined>) => {
                try {
                  const wrong = await f()
                  if (wrong !== undefined) problems.push(`${what} answered ${wrong}`)
                } catch (error) {
                  problems.push(`${what} failed: ${error instanceof Error ? error.message : String(error)}`)
                }
              }
              await check(`findOne(${known})`, async () => {
                const found = await docs.findOne({ _id: known })
                return found?.k === i ? undefined : JSON.stringify(found)
              })
              await check(`countDocuments(${known})`, async () => {
                const count = await docs.countDocuments({ _id: known })
                return count === 1 ? undefined : String(count)
              })
              await check("ping", async () => {
                const ping = await c.db("admin").command({ ping: 1 })
                return ping.ok === 1 ? undefined : JSON.stringify(ping)
              })
              return problems.length === 0 ? undefined : problems.join("; ")
            },
            catch: during("run the w:0 check on the master")
          })
        })
      )
    let wrongAnswers = 0
    let controlWrongAnswers = 0
    let example: string | undefined
    let controlExample: string | undefined
    for (let i = 0; i < rounds; i++) {
      const control = yield* round(i, false)
      if (control !== undefined) {
        controlWrongAnswers++
        controlExample ??= control
      }
      const failing = yield* round(i, true)
      if (failing !== undefined) {
        wrongAnswers++
        example ??= failing
      }
    }
    return { rounds, wrongAnswers, controlWrongAnswers, example, controlExample }
  })

/**
 * Runs both checks on the master, with the raw driver.
 *
 * @since 0.2.0
 */
export const verify = (masterUri: string): Effect.Effect<Findings, BenchError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const inc = yield* concurrentInc(masterUri)
      const w0 = yield* failedW0(masterUri)
      return {
        inc,
        w0,
        incLosesUpdates: inc.lost > 0 && inc.sequential.final === inc.sequential.acknowledged,
        w0Desync:
          w0.wrongAnswers === 0
            ? ("none" as const)
            : w0.controlWrongAnswers === 0
              ? ("failed writes" as const)
              : ("every write" as const)
      }
    })
  )
