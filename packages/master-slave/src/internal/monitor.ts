import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import type {
  MongoClient,
  ServerDescriptionChangedEvent,
  ServerHeartbeatFailedEvent,
  ServerHeartbeatSucceededEvent
} from "mongodb"
import type { Node } from "../Node.js"
import { now } from "./consistency.js"
import { collectionOperation, commandCall, databaseOperation, deadlineIn, readCall, unavailableKind } from "./driver.js"
import type { Health } from "./health.js"
import type { Heartbeat } from "./heartbeat.js"
import * as LastWrite from "./lastWrite.js"
import { recorder } from "./metrics.js"
import { ensureConnected, noteFailure } from "./node.js"
import * as Signal from "./signal.js"

export interface MonitorOptions {
  readonly slaves: ReadonlyArray<Node>
  readonly health: Health
  /** The heartbeat to look for on each slave; without one the probe is a ping. */
  readonly heartbeat: Heartbeat | undefined
  readonly probeIntervalMillis: number
  readonly attemptTimeoutMillis: number
  readonly isClosed: () => boolean
}

// Closes a client, waiting for it at most `millis`: the rest goes on in the background.
const closeWithin = (client: MongoClient, millis: number) =>
  Effect.promise(() => client.close().catch(() => undefined)).pipe(Effect.timeout(millis), Effect.ignore)

/**
 * The slaves' prober, the judge of their health. Every probe interval it
 * reads this connection's heartbeat document from every slave: whether the
 * slave answers, how fast, and which heartbeat it shows — its staleness
 * bound. A slave in trouble (a read found it slow or refusing, the driver
 * lost it) is probed at once, and a down one again and again — 50 ms, then
 * doubling up to the probe interval — until it answers.
 *
 * A down or slow slave is probed through a fresh client of its own, not
 * through the slave's client: a path that can succeed even when that client
 * is stuck. When the fresh client gets an answer and the slave's client
 * still does not, the slave's client is replaced (the old one is closed once
 * its calls have had their attempt timeout to finish).
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

// the first pause before probing a down slave again; it doubles up to the probe interval
const firstRetryMillis = 50

/**
 * Follows what a slave's client reports: its heartbeats, and the moment an
 * operation's network error makes it mark the server Unknown. Evidence only:
 * a failure puts the slave in trouble (and so gets it probed at once); a
 * success brings it back. Returns the listeners' removal.
 */
const watchClient = (slave: Node, client: MongoClient, health: Health) => {
  const id = slave.connectionId
  const failed = (event: ServerHeartbeatFailedEvent) => {
    slave.lastError = event.failure.message
    health.unsafeTrouble(
      id,
      unavailableKind(event.failure) === "refused" ? "down" : "slow",
      `its heartbeat failed: ${event.failure.message}`
    )
  }
  const succeeded = (_: ServerHeartbeatSucceededEvent) => health.unsafeMark(id, true)
  const changed = (event: ServerDescriptionChangedEvent) => {
    if (event.newDescription.type !== "Unknown") return health.unsafeMark(id, true)
    const error = event.newDescription.error
    if (error === null || error === undefined) return
    slave.lastError = error.message
    health.unsafeTrouble(id, unavailableKind(error) === "refused" ? "down" : "slow", error.message)
  }
  client.on("serverHeartbeatFailed", failed)
  client.on("serverHeartbeatSucceeded", succeeded)
  client.on("serverDescriptionChanged", changed)
  return () => {
    client.off("serverHeartbeatFailed", failed)
    client.off("serverHeartbeatSucceeded", succeeded)
    client.off("serverDescriptionChanged", changed)
  }
}

export const start = (options: MonitorOptions): Effect.Effect<Monitor, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { slaves, health, heartbeat, isClosed } = options
    const interval = options.probeIntervalMillis
    const attemptTimeout = options.attemptTimeoutMillis
    const signals = slaves.map(() => Signal.make())
    const recorders = slaves.map(recorder)
    const waiters = new Set<Waiter>()
    const scope = yield* Effect.scope

    // the slaves' clients are watched, and so is each one that replaces one
    const unwatch = slaves.map((slave) => watchClient(slave, slave.client, health))
    yield* Effect.addFinalizer(() =>
      Effect.sync(() => {
        for (const stop of unwatch) stop()
      })
    )
    health.onTrouble((id) => signals[id]?.notify())

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

    // whether each slave reports its replication position in `hello` (undefined: not asked yet)
    const reportsLastWrite: Array<boolean | undefined> = slaves.map(() => undefined)
    const hello = databaseOperation("hello", "admin", false)
    /**
     * What the slave shows by the positions MongoDB reports (see
     * `lastWrite.ts`), asked only of a slave that reports them.
     */
    const lookLastWrite = (slave: Node, client: MongoClient) => {
      const id = slave.connectionId
      if (heartbeat === undefined || reportsLastWrite[id] === false) return Effect.succeed(Number.NEGATIVE_INFINITY)
      return commandCall(
        slave,
        hello,
        (signal) => client.db("admin").command({ hello: 1 }, { signal }),
        deadlineIn(attemptTimeout, "attemptTimeout")
      ).pipe(
        Effect.map((reply) => {
          const position = LastWrite.positionOf(reply)
          reportsLastWrite[id] = position !== undefined
          return position === undefined
            ? Number.NEGATIVE_INFINITY
            : LastWrite.shownAt(heartbeat.masterSamples(), position)
        })
      )
    }

    /**
     * One look at the slave through `client`: the heartbeat it shows
     * (`-Infinity`: none), or a ping. Each call gets its attempt timeout from
     * when it starts, not from when the probe began: connecting a fresh client
     * to a slow slave takes a round trip of its own, and must not leave the
     * look too little time to show that the slave answers.
     */
    const look = (slave: Node, client: MongoClient) =>
      Effect.zipWith(
        Effect.suspend(() => lookHeartbeat(slave, client)),
        Effect.suspend(() => lookLastWrite(slave, client)),
        Math.max
      )

    const lookHeartbeat = (slave: Node, client: MongoClient) => {
      const deadline = deadlineIn(attemptTimeout, "attemptTimeout")
      if (readHeartbeat === undefined || heartbeat === undefined) {
        return commandCall(slave, ping, (signal) => client.db("admin").command({ ping: 1 }, { signal }), deadline).pipe(
          Effect.as(Number.NEGATIVE_INFINITY)
        )
      }
      return readCall(
        slave,
        readHeartbeat,
        (signal) =>
          client
            .db(heartbeat.database)
            .collection<{ _id: string; t?: unknown }>(heartbeat.collection)
            .findOne({ _id: heartbeat.id }, { projection: { t: 1 }, signal }),
        { deadline }
      ).pipe(Effect.map((document) => (typeof document?.t === "number" ? document.t : Number.NEGATIVE_INFINITY)))
    }

    // How far behind a slave is: nothing if it shows every heartbeat the master
    // has acknowledged; otherwise, how long ago the master acknowledged the first
    // one it does not show. (Not the age of the heartbeat it shows: with a
    // heartbeat a second, that is up to a second on a slave that keeps up.)
    const lagOf = (seenAt: number, at: number) => {
      if (seenAt === Number.NEGATIVE_INFINITY) return Number.POSITIVE_INFINITY
      if (heartbeat === undefined || seenAt >= heartbeat.acked()) return 0
      const missingSince = heartbeat.ackedAfter(seenAt)
      return at - (missingSince ?? seenAt)
    }

    const answered = (slave: Node, seenAt: number, millis: number) => {
      const id = slave.connectionId
      health.unsafeSucceeded(id, millis)
      const at = now()
      health.unsafeObserved(id, seenAt, lagOf(seenAt, at))
      recorders[id]!.staleness(health.stalenessMillis(id, at))
    }

    const failedProbe = (slave: Node, error: { readonly message: string; readonly kind?: string | undefined }) => {
      recorders[slave.connectionId]!.staleness(Number.POSITIVE_INFINITY)
      // a connection that broke proves little (a restart, a pool being cleared): slow,
      // and looked at again at once; refused, or no answer to a trivial read within
      // an attempt timeout: down, reads would not get one either
      health.unsafeTrouble(
        slave.connectionId,
        error.kind === "reset" ? "slow" : "down",
        `the prober could not reach it: ${error.message}`
      )
    }

    /** The usual probe: through the slave's own client. */
    const probeClient = (slave: Node) =>
      Effect.suspend(() => {
        const started = performance.now()
        return ensureConnected(slave, deadlineIn(attemptTimeout, "attemptTimeout")).pipe(
          Effect.zipRight(look(slave, slave.client)),
          Effect.match({
            onSuccess: (seenAt) => answered(slave, seenAt, performance.now() - started),
            onFailure: (error) => {
              noteFailure(slave, error)
              failedProbe(slave, error)
            }
          })
        )
      })

    // Closes a replaced client once calls still running on it have had their time.
    const retire = (client: MongoClient) =>
      Effect.sleep(2 * attemptTimeout).pipe(
        Effect.ensuring(closeWithin(client, attemptTimeout)),
        Effect.forkIn(scope),
        Effect.asVoid
      )

    /**
     * The probe of a slave in trouble: through a fresh client, then through
     * the slave's own; if only the fresh one gets an answer, the slave's
     * client is stuck and is replaced.
     */
    const probeFresh = (slave: Node) =>
      Effect.gen(function* () {
        const makeClient = slave.makeClient
        if (makeClient === undefined) return yield* probeClient(slave)
        const started = performance.now()
        const fresh = yield* Effect.acquireRelease(
          Effect.sync(() => makeClient()),
          // a client of a node that hangs may take as long to close: the probe does not wait
          (client) => closeWithin(client, attemptTimeout)
        )
        const viaFresh = yield* Effect.either(
          Effect.tryPromise(() => fresh.connect()).pipe(
            Effect.timeout(attemptTimeout),
            Effect.mapError((error) => new Error(`cannot connect: ${String(error.cause ?? error.message)}`)),
            Effect.zipRight(look(slave, fresh))
          )
        )
        if (viaFresh._tag === "Left") return failedProbe(slave, viaFresh.left)
        const millis = performance.now() - started
        // it answers: no longer down, though tried after the others until its own client answers too
        health.unsafeReachable(slave.connectionId, "it answered a fresh client; its own client is being checked")
        const viaOwn = yield* Effect.either(
          ensureConnected(slave, deadlineIn(attemptTimeout, "attemptTimeout")).pipe(
            Effect.zipRight(look(slave, slave.client))
          )
        )
        if (viaOwn._tag === "Right") return answered(slave, viaOwn.right, millis)
        // the node answers, its client does not: that client is stuck
        if (isClosed()) return
        const replacement = makeClient()
        const previous = slave.unsafeReplaceClient(replacement)
        unwatch[slave.connectionId]!()
        unwatch[slave.connectionId] = watchClient(slave, replacement, health)
        yield* Effect.logWarning(
          `mongo-master-slave: ${slave} answers but its client did not (${viaOwn.left.message}): the client was replaced`
        )
        yield* retire(previous)
        yield* ensureConnected(slave, deadlineIn(attemptTimeout, "attemptTimeout")).pipe(Effect.ignore)
        answered(slave, viaFresh.right, millis)
      }).pipe(Effect.scoped)

    const loop = (slave: Node) =>
      Effect.gen(function* () {
        const id = slave.connectionId
        const signal = signals[id]!
        // eager probes in a row that let no waiter go
        let fruitless = 0
        // the pause before the next probe of a down slave
        let retry = firstRetryMillis
        while (!isClosed()) {
          signal.clear()
          const waiting = waiters.size
          const troubled = health.trouble(id) !== undefined
          yield* troubled ? probeFresh(slave) : probeClient(slave)
          settle()
          if (health.isDown(id)) {
            yield* signal.wait(retry)
            retry = Math.min(interval, retry * 2)
            continue
          }
          retry = firstRetryMillis
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
