import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type { Node } from "../Node.js"
import { now } from "./consistency.js"
import { collectionOperation, commandCall, databaseOperation, deadlineIn, readCall } from "./driver.js"
import type { Health } from "./health.js"
import type { Heartbeat } from "./heartbeat.js"
import { recorder } from "./metrics.js"
import { ensureConnected, noteFailure } from "./node.js"
import * as Signal from "./signal.js"

export interface MonitorOptions {
  readonly slaves: ReadonlyArray<Node>
  readonly health: Health
  /** The heartbeat to look for on each slave; without one, only slaves marked down are probed (a ping). */
  readonly heartbeat: Heartbeat | undefined
  readonly probeIntervalMillis: number
  readonly attemptTimeoutMillis: number
  readonly isClosed: () => boolean
}

/**
 * The slaves' prober. Every probe interval it reads this connection's
 * heartbeat document from every slave: whether the slave answers (a slave
 * marked down comes back only this way, or by the driver's own heartbeat),
 * how fast, and which heartbeat it shows — its staleness bound.
 *
 * Causal reads that find no slave caught up wait here: while one waits for a
 * heartbeat the master has acknowledged, the slaves that have not shown it
 * are probed again at once, then after pauses that double (1, 2, 4 ms, ...
 * up to the probe interval), so a slave that keeps up is seen within about
 * a round trip and one that lags is not hammered.
 */
export interface Monitor {
  /** Whether a slave that is up has shown `position`. */
  readonly shows: (position: number) => boolean
  /**
   * Waits until a slave that is up shows `position`, at most until
   * `deadline` (on `consistency.now`'s clock): whether one does.
   */
  readonly awaitPosition: (position: number, deadline: number) => Effect.Effect<boolean>
}

interface Waiter {
  readonly position: number
  readonly resume: () => void
}

export const start = (options: MonitorOptions): Effect.Effect<Monitor, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { slaves, health, heartbeat, isClosed } = options
    const interval = options.probeIntervalMillis
    const signals = slaves.map(() => Signal.make())
    const recorders = slaves.map(recorder)
    const waiters = new Set<Waiter>()

    const shows = (position: number) => {
      for (let id = 0; id < slaves.length; id++) {
        if (!health.isDown(id) && health.seen[id]! >= position) return true
      }
      return false
    }
    const settle = () => {
      for (const waiter of waiters) {
        if (shows(waiter.position)) {
          waiters.delete(waiter)
          waiter.resume()
        }
      }
    }
    // a probe of this slave now may let a waiter go: the master has the
    // heartbeat the waiter needs, and the slave has not shown it yet
    const worthProbing = (id: number) => {
      if (heartbeat === undefined || health.isDown(id)) return false
      const acked = heartbeat.acked()
      for (const waiter of waiters) {
        if (waiter.position <= acked && health.seen[id]! < waiter.position) return true
      }
      return false
    }
    const wakeAll = () => {
      for (const signal of signals) signal.notify()
    }
    heartbeat?.onAcked((sentAt) => {
      for (const waiter of waiters) {
        if (waiter.position <= sentAt) return wakeAll()
      }
    })

    const ping = databaseOperation("ping", "admin", false)
    const readHeartbeat =
      heartbeat === undefined ? undefined : collectionOperation("find", heartbeat.database, heartbeat.collection, false)

    const probe = (slave: Node): Effect.Effect<void> => {
      const id = slave.connectionId
      if (readHeartbeat === undefined || heartbeat === undefined) {
        if (!health.isDown(id)) return Effect.void
        const started = performance.now()
        const deadline = deadlineIn(options.attemptTimeoutMillis, "attemptTimeout")
        return ensureConnected(slave, deadline).pipe(
          Effect.zipRight(
            commandCall(slave, ping, (signal) => slave.client.db("admin").command({ ping: 1 }, { signal }), deadline)
          ),
          Effect.zipRight(Effect.sync(() => health.unsafeSucceeded(id, performance.now() - started))),
          Effect.ignore
        )
      }
      const collection = slave.client
        .db(heartbeat.database)
        .collection<{ _id: string; t?: unknown }>(heartbeat.collection)
      return Effect.suspend(() => {
        const started = performance.now()
        const deadline = deadlineIn(options.attemptTimeoutMillis, "attemptTimeout")
        return ensureConnected(slave, deadline).pipe(
          Effect.zipRight(
            readCall(
              slave,
              readHeartbeat,
              (signal) => collection.findOne({ _id: heartbeat.id }, { projection: { t: 1 }, signal }),
              { deadline }
            )
          ),
          Effect.match({
            onSuccess: (document) => {
              health.unsafeSucceeded(id, performance.now() - started)
              const t = document?.t
              const at = now()
              health.unsafeObserved(id, typeof t === "number" ? t : Number.NEGATIVE_INFINITY, at)
              recorders[id]!.staleness(health.stalenessMillis(id, at))
            },
            onFailure: (error) => {
              noteFailure(slave, error)
              if (error._tag === "NodeUnavailable") health.unsafeMark(id, false)
              else health.unsafeObserved(id, Number.NEGATIVE_INFINITY, now())
              recorders[id]!.staleness(Number.POSITIVE_INFINITY)
            }
          })
        )
      })
    }

    const loop = (slave: Node) =>
      Effect.gen(function* () {
        const id = slave.connectionId
        const signal = signals[id]!
        // eager probes in a row that let no waiter go
        let fruitless = 0
        while (!isClosed()) {
          signal.clear()
          const waiting = waiters.size
          yield* probe(slave)
          settle()
          if (!worthProbing(id)) {
            fruitless = 0
            yield* signal.wait(interval)
            continue
          }
          fruitless = waiters.size < waiting ? 0 : fruitless + 1
          if (fruitless === 0) yield* Effect.yieldNow()
          else yield* signal.wait(Math.min(interval, 2 ** (fruitless - 1)))
        }
      })

    yield* Effect.forEach(slaves, (slave) => Effect.forkScoped(loop(slave)), { discard: true })

    return {
      shows,
      awaitPosition: (position, deadline) =>
        Effect.suspend(() => {
          if (shows(position)) return Effect.succeed(true)
          heartbeat?.cover(position)
          const remaining = deadline - now()
          if (remaining <= 0 || heartbeat === undefined) return Effect.succeed(false)
          const wait = Effect.async<void>((resume) => {
            const waiter: Waiter = { position, resume: () => resume(Effect.void) }
            waiters.add(waiter)
            if (heartbeat.acked() >= position) wakeAll()
            return Effect.sync(() => {
              waiters.delete(waiter)
            })
          })
          return Effect.map(Effect.timeoutOption(wait, remaining), Option.isSome)
        })
    }
  })
