import { Cluster } from "@mongo-master-slave/testkit"
import * as TestCluster from "@mongo-master-slave/testkit/vitest"
import { Context, type Duration, Effect, type Exit, Layer, Tracer } from "effect"
import type { CommandStartedEvent, Document } from "mongodb"
import * as Master from "../src/Master.js"
import * as MasterSlaveConnection from "../src/MasterSlaveConnection.js"
import type { Node } from "../src/Node.js"
import * as Slaves from "../src/Slaves.js"

export { TestCluster }

export interface ConnectionSetup {
  readonly options?: MasterSlaveConnection.Options
  readonly slaveUris?: ReadonlyArray<string>
  readonly attemptTimeout?: Duration.DurationInput
  /** How often slaves are checked (driver heartbeats, the prober); default 1 second. */
  readonly healthCheckInterval?: Duration.DurationInput
  readonly masterUri?: string
}

/** A connection over the test cluster, with command monitoring on every client. */
export const connectionLayer = (setup: ConnectionSetup = {}) =>
  Layer.unwrapEffect(
    Effect.map(Cluster.Cluster, (cluster) =>
      MasterSlaveConnection.layer(setup.options ?? {}).pipe(
        Layer.provide(
          Layer.merge(
            Master.layer({ uri: setup.masterUri ?? cluster.masterUri, clientOptions: { monitorCommands: true } }),
            Slaves.layer({
              uris: setup.slaveUris ?? cluster.slaveUris,
              attemptTimeout: setup.attemptTimeout ?? "1 second",
              ...(setup.healthCheckInterval === undefined ? {} : { healthCheckInterval: setup.healthCheckInterval }),
              clientOptions: { monitorCommands: true }
            })
          )
        )
      )
    )
  )

/** The connection, for a test's scope. */
export const connect = (setup: ConnectionSetup = {}) =>
  Layer.build(connectionLayer(setup)).pipe(
    Effect.map(
      (context) =>
        context.unsafeMap.get(
          MasterSlaveConnection.MasterSlaveConnection.key
        ) as MasterSlaveConnection.MasterSlaveConnection
    )
  )

export interface Sent {
  readonly name: string
  /** `master`, `slave-0`, ... */
  readonly node: string
  readonly command: Document
}

/**
 * Records every command the connection's clients send, for the test's scope —
 * but the heartbeat the connection writes and probes for itself (in the
 * `mongo_master_slave` database), which is not the test's traffic.
 */
export const recordCommands = (connection: MasterSlaveConnection.MasterSlaveConnection) =>
  Effect.gen(function* () {
    const sent: Array<Sent> = []
    const nodes: ReadonlyArray<Node> = [connection.master, ...connection.slaves]
    for (const node of nodes) {
      const name = node.role === "master" ? "master" : `slave-${node.connectionId}`
      const listener = (event: CommandStartedEvent) => {
        if (event.databaseName === "mongo_master_slave") return
        sent.push({ name: event.commandName, node: name, command: event.command })
      }
      yield* Effect.acquireRelease(
        Effect.sync(() => node.client.on("commandStarted", listener)),
        () => Effect.sync(() => node.client.off("commandStarted", listener))
      )
    }
    return {
      all: () => [...sent],
      named: (name: string) => sent.filter((s) => s.name === name),
      clear: () => {
        sent.length = 0
      }
    }
  })

/** A collection with documents written on the master and replicated to every slave. */
export const seeded = (
  connection: MasterSlaveConnection.MasterSlaveConnection,
  prefix: string,
  documents: ReadonlyArray<Document>
) =>
  Effect.gen(function* () {
    const cluster = yield* Cluster.Cluster
    const database = yield* connection.database(TestCluster.uniqueDatabaseName(prefix))
    const collection = yield* database.collection("items")
    if (documents.length > 0) yield* collection.insertMany(documents)
    yield* cluster.waitForReplication()
    yield* settled(connection)
    return { database, collection }
  })

/**
 * Waits until the connection knows no slave as down or slow — after
 * `waitForReplication` restarted the slaves' FerretDB, the prober may need a
 * moment to see them answer again, and until then reads skip them.
 */
export const settled = (connection: MasterSlaveConnection.MasterSlaveConnection) =>
  Effect.repeat(Effect.delay(connection.slaveStatus, "10 millis"), {
    until: (statuses) => statuses.every((status) => !status.down && !status.slow)
  }).pipe(Effect.timeout("10 seconds"), Effect.orDie, Effect.asVoid)

export interface Recorded {
  readonly name: string
  readonly kind: Tracer.SpanKind
  readonly attributes: Map<string, unknown>
  readonly events: Array<{ readonly name: string; readonly attributes: Record<string, unknown> | undefined }>
  ended: boolean
}

/** A tracer that keeps every span, to look at what the library reports. */
export const recordingTracer = () => {
  const spans: Array<Recorded> = []
  let ids = 0
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind) => {
      const recorded: Recorded = { name, kind, attributes: new Map(), events: [], ended: false }
      spans.push(recorded)
      const span: Tracer.Span = {
        _tag: "Span",
        name,
        spanId: `span-${++ids}`,
        traceId: "trace",
        parent,
        context: context ?? Context.empty(),
        status: { _tag: "Started", startTime },
        attributes: recorded.attributes,
        links,
        sampled: true,
        kind,
        end: (_endTime: bigint, _exit: Exit.Exit<unknown, unknown>) => {
          recorded.ended = true
        },
        attribute: (key, value) => {
          recorded.attributes.set(key, value)
        },
        event: (eventName, _time, attributes) => {
          recorded.events.push({ name: eventName, attributes })
        },
        addLinks: () => {}
      }
      return span
    },
    context: (f) => f()
  })
  return { tracer, spans }
}
