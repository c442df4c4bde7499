/**
 * Counting what a library connection sends, by command monitoring on its
 * clients (they need `monitorCommands: true`): which node served each read
 * of the benchmark's collections, the heartbeats written on the master and
 * the heartbeat reads (probes) sent to the slaves.
 *
 * @since 0.2.0
 */
import { type MasterSlaveConnection, Metrics } from "@mongo-master-slave/core"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { CommandStartedEvent } from "mongodb"
import type { Counted, Runner } from "./workload.js"

/**
 * A namespace: a database and a collection in it.
 *
 * @since 0.2.0
 */
export interface Namespace {
  readonly database: string
  readonly collection: string
}

/**
 * The library's heartbeat namespace unless the connection's options name
 * another (`heartbeat.database`/`heartbeat.collection`).
 *
 * @since 0.2.0
 */
export const defaultHeartbeat: Namespace = { database: "mongo_master_slave", collection: "heartbeats" }

/**
 * A command one node was sent, as much of it as counting needs.
 *
 * @since 0.2.0
 */
export interface Sent {
  /** `master`, `slave-0`, ... */
  readonly node: string
  readonly commandName: string
  readonly database: string
  /** The collection the command names (`find: "reads"` → `reads`), if any. */
  readonly collection: unknown
}

/**
 * What one command adds to the counts: a `find` of one of `reads` on the
 * node that served it; an `update` of the heartbeat on the master; a `find`
 * of the heartbeat on a slave (a probe). Anything else counts for nothing.
 *
 * @since 0.2.0
 */
export const tally = (
  counts: { servedBy: Record<string, number>; heartbeats: number; probes: number },
  sent: Sent,
  reads: ReadonlyArray<Namespace>,
  heartbeat: Namespace
): void => {
  const is = (namespace: Namespace) => sent.database === namespace.database && sent.collection === namespace.collection
  if (sent.commandName === "find") {
    if (is(heartbeat)) {
      if (sent.node !== "master") counts.probes++
    } else if (reads.some(is)) {
      counts.servedBy[sent.node] = (counts.servedBy[sent.node] ?? 0) + 1
    }
  } else if (sent.commandName === "update" && sent.node === "master" && is(heartbeat)) {
    counts.heartbeats++
  }
}

/**
 * What was counted between two readings of a counter.
 *
 * @since 0.2.0
 */
export const since = (before: Counted, after: Counted): Counted => {
  const servedBy: Record<string, number> = {}
  for (const [node, n] of Object.entries(after.servedBy)) {
    const delta = n - (before.servedBy[node] ?? 0)
    if (delta !== 0) servedBy[node] = delta
  }
  return { servedBy, heartbeats: after.heartbeats - before.heartbeats, probes: after.probes - before.probes }
}

/**
 * Running counts of a connection's commands.
 *
 * @since 0.2.0
 */
export interface Counter {
  /** The counts so far (a copy). */
  readonly read: () => Counted
}

/**
 * Counts the commands the connection's clients send, for as long as the
 * scope lives: reads of the `reads` namespaces by node, and the heartbeat's
 * writes and probes.
 *
 * @since 0.2.0
 */
export const count = (
  connection: MasterSlaveConnection.MasterSlaveConnection,
  reads: ReadonlyArray<Namespace>,
  heartbeat: Namespace = defaultHeartbeat
): Effect.Effect<Counter, never, Scope.Scope> =>
  Effect.gen(function* () {
    const counts = { servedBy: {} as Record<string, number>, heartbeats: 0, probes: 0 }
    for (const node of [connection.master, ...connection.slaves]) {
      const name = Metrics.nodeTag(node)
      const listener = (event: CommandStartedEvent) =>
        tally(
          counts,
          {
            node: name,
            commandName: event.commandName,
            database: event.databaseName,
            collection: event.command[event.commandName]
          },
          reads,
          heartbeat
        )
      yield* Effect.acquireRelease(
        Effect.sync(() => node.client.on("commandStarted", listener)),
        () => Effect.sync(() => node.client.off("commandStarted", listener))
      )
    }
    return {
      read: () => ({ servedBy: { ...counts.servedBy }, heartbeats: counts.heartbeats, probes: counts.probes })
    }
  })

/**
 * A runner whose samples carry what `counter` counted during each run.
 *
 * @since 0.2.0
 */
export const counting =
  (counter: Counter, runner: Runner): Runner =>
  (plan) =>
    Effect.suspend(() => {
      const before = counter.read()
      return Effect.map(runner(plan), (sample) => ({ ...sample, counted: since(before, counter.read()) }))
    })
