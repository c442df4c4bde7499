import { randomBytes } from "node:crypto"
import * as Os from "node:os"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Node } from "../Node.js"
import { now } from "./consistency.js"
import { commandCall, databaseOperation, deadlineIn } from "./driver.js"
import * as LastWrite from "./lastWrite.js"
import * as metrics from "./metrics.js"
import * as Signal from "./signal.js"

/** Where and how often the heartbeat is written. */
export interface HeartbeatOptions {
  readonly database: string
  readonly collection: string
  /** How often a heartbeat is written when no causal read asks for one sooner. */
  readonly intervalMillis: number
  /** How long one heartbeat write may take before it counts as failed. */
  readonly timeoutMillis: number
}

/**
 * The heartbeat: one small document of this connection's own on the master,
 * `{ _id, t, at }`, rewritten every interval and whenever a causal scope
 * needs proof that its writes have replicated. `t` is the moment it was
 * sent, on this process's clock, taken before sending: once a slave shows
 * it, every write the master acknowledged before `t` is on that slave
 * (replication applies in commit order).
 */
export interface Heartbeat {
  readonly id: string
  readonly database: string
  readonly collection: string
  /** The send time of the newest heartbeat the master acknowledged; `-Infinity` before the first. */
  readonly acked: () => number
  /**
   * Asks for a heartbeat sent at or after `at`. Coalesced: a heartbeat
   * already sent at or after `at` covers it; otherwise the next one goes as
   * soon as the one in flight, if any, is acknowledged.
   */
  readonly cover: (at: number) => void
  /**
   * When the master acknowledged the oldest heartbeat sent after `sentAt`
   * (on `consistency.now`'s clock), among the recent ones; `undefined` if
   * none is known.
   */
  readonly ackedAfter: (sentAt: number) => number | undefined
  /** Calls `listener` with the send time of every heartbeat the master acknowledges. */
  readonly onAcked: (listener: (sentAt: number) => void) => void
  /** How many heartbeats the master has acknowledged. */
  readonly count: () => number
  /**
   * The master's replication positions, sampled with `hello` beside each
   * heartbeat while the master reports them (MongoDB replica sets; not
   * FerretDB): see `lastWrite.ts`.
   */
  readonly masterSamples: () => ReadonlyArray<LastWrite.MasterSample>
}

// acknowledged heartbeats remembered, to tell how long ago a slave fell behind
const historySize = 64

// heartbeats of processes gone for this long are deleted by any live one
const retentionMillis = (intervalMillis: number) => Math.max(10 * 60_000, 100 * intervalMillis)
const cleanupEveryMillis = 60_000
// after a failed heartbeat that a causal read waits for, try again this soon
const retryMillis = (intervalMillis: number) => Math.min(intervalMillis, 50)

/**
 * Writes the heartbeat on the master for as long as the scope lives, and
 * deletes this connection's document when it closes. Failures are logged and
 * retried; they never stop the loop: staleness then simply grows.
 */
export const start = (
  master: Node,
  options: HeartbeatOptions,
  isClosed: () => boolean
): Effect.Effect<Heartbeat, never, Scope.Scope> =>
  Effect.gen(function* () {
    const id = `${Os.hostname()}:${process.pid}:${randomBytes(6).toString("hex")}`
    const collection = master.client
      .db(options.database)
      .collection<{ _id: string; t: number; at: Date }>(options.collection)
    const write = databaseOperation("heartbeat", options.database, true)
    const wake = Signal.make()
    const listeners: Array<(sentAt: number) => void> = []
    let wanted = Number.NEGATIVE_INFINITY
    let lastSent = Number.NEGATIVE_INFINITY
    let acked = Number.NEGATIVE_INFINITY
    let count = 0
    let failing = false
    // the master's replication positions, while it reports them (undefined: not asked yet)
    const samples: Array<LastWrite.MasterSample> = []
    let reportsLastWrite: boolean | undefined
    const hello = databaseOperation("hello", "admin", false)
    const sampleMaster = Effect.suspend(() => {
      if (reportsLastWrite === false) return Effect.void
      const sentAt = now()
      return commandCall(
        master,
        hello,
        (signal) => master.client.db("admin").command({ hello: 1 }, { signal }),
        deadlineIn(options.timeoutMillis, "operationTimeout")
      ).pipe(
        Effect.match({
          onSuccess: (reply) => {
            const position = LastWrite.positionOf(reply)
            reportsLastWrite = position !== undefined
            if (position !== undefined) LastWrite.keep(samples, { sentAt, position })
          },
          onFailure: () => undefined
        })
      )
    })
    // the recent acknowledged heartbeats: send times, and when they were acknowledged
    const sentTimes = new Float64Array(historySize)
    const ackTimes = new Float64Array(historySize)
    let lastCleanup = performance.now()

    const beat = Effect.suspend(() => {
      // a wake-up asked for while this one was due anyway is served by it
      wake.clear()
      const t = now()
      lastSent = t
      return commandCall(
        master,
        write,
        (signal) =>
          collection.updateOne({ _id: id }, { $set: { t, at: new Date() } }, { upsert: true, signal } as object),
        deadlineIn(options.timeoutMillis, "operationTimeout")
      ).pipe(
        Effect.matchEffect({
          onSuccess: () =>
            Effect.sync(() => {
              if (t > acked) acked = t
              sentTimes[count % historySize] = t
              ackTimes[count % historySize] = now()
              count++
              metrics.heartbeat(master, true)
              if (failing) failing = false
              for (const listener of listeners) listener(t)
            }),
          onFailure: (error) => {
            metrics.heartbeat(master, false)
            if (failing || isClosed()) return Effect.void
            failing = true
            return Effect.logWarning(
              `mongo-master-slave: the heartbeat on ${master} failed (${error.message}); slaves' staleness cannot be measured until it succeeds`
            )
          }
        })
      )
    })

    const cleanup = Effect.suspend(() => {
      lastCleanup = performance.now()
      const before = new Date(Date.now() - retentionMillis(options.intervalMillis))
      return commandCall(
        master,
        write,
        (signal) => collection.deleteMany({ at: { $lt: before } }, { signal } as object),
        deadlineIn(options.timeoutMillis, "operationTimeout")
      ).pipe(Effect.ignore)
    })

    // Waits until the next heartbeat is due: the interval has passed since the
    // last one, or a causal read asked for one that has not been sent yet.
    const due = Effect.suspend(() => {
      if (wanted > lastSent) return Effect.void
      const retrying = failing && wanted > acked
      const wait = retrying ? retryMillis(options.intervalMillis) : options.intervalMillis
      return wake.wait(wait)
    })

    const loop = Effect.gen(function* () {
      while (!isClosed()) {
        yield* beat
        yield* sampleMaster
        if (performance.now() - lastCleanup > cleanupEveryMillis) yield* cleanup
        yield* due
      }
    })

    // registered before the loop starts, so it runs after the loop has stopped
    yield* Effect.addFinalizer(() =>
      isClosed()
        ? Effect.void
        : commandCall(
            master,
            write,
            (signal) => collection.deleteOne({ _id: id }, { signal } as object),
            deadlineIn(Math.min(options.timeoutMillis, 1_000), "operationTimeout")
          ).pipe(Effect.ignore)
    )
    yield* Effect.forkScoped(loop)

    return {
      id,
      database: options.database,
      collection: options.collection,
      acked: () => acked,
      ackedAfter: (sentAt) => {
        let oldest: number | undefined
        let oldestSent = Number.POSITIVE_INFINITY
        for (let i = 0; i < Math.min(count, historySize); i++) {
          const t = sentTimes[i]!
          if (t > sentAt && t < oldestSent) {
            oldestSent = t
            oldest = ackTimes[i]!
          }
        }
        return oldest
      },
      cover: (at) => {
        if (at <= wanted) return
        wanted = at
        if (at > lastSent) wake.notify()
      },
      onAcked: (listener) => {
        listeners.push(listener)
      },
      count: () => count,
      masterSamples: () => samples
    }
  })
