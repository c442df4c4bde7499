/**
 * A library connection with no I/O, for measuring the library's own CPU: its
 * nodes are real `Node` values whose driver client is a stub — `db()` and
 * `collection()` hand out one object whose `findOne` and `insertOne` resolve
 * at once, and `on`/`off`/`connect`/`close` do nothing — and the `Master`
 * and `Slaves` services are provided as values (`Layer.succeed`), so nothing
 * connects anywhere. The connection runs as configured otherwise: its router,
 * health, metrics and prober (pinging the stub), without the heartbeat.
 *
 * Also a tracer that keeps nothing: with it installed, the library makes its
 * spans as it does under a real tracer, and their cost shows alone.
 *
 * @since 0.2.0
 */
import { Master, MasterSlaveConnection, Node, Slaves, WriteConcern } from "@mongo-master-slave/core"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import type { MongoClient } from "mongodb"
import { document } from "../cluster.js"
import { type BenchError, during } from "../errors.js"
import { newDocument } from "./writes.js"

/**
 * The document every stub `findOne` answers: one of the read collection's.
 *
 * @since 0.2.0
 */
export const stubDocument = document(1)

/**
 * The document the overhead case inserts: one of the writes case's, a date
 * among its fields.
 *
 * @since 0.2.0
 */
export const stubNewDocument = newDocument("stub", 1)

const inserted = { acknowledged: true, insertedId: 1 }

/**
 * The stub collection: what the driver's `findOne` and `insertOne` would
 * answer, at once.
 *
 * @since 0.2.0
 */
export const stubCollection = {
  findOne: (_filter: unknown, _options?: unknown) => Promise.resolve(stubDocument),
  insertOne: (_document: unknown, _options?: unknown) => Promise.resolve(inserted)
}

const stubDb = {
  collection: () => stubCollection,
  // the prober's ping
  command: () => Promise.resolve({ ok: 1 })
}

/**
 * A driver client that does no I/O (see the module's description).
 *
 * @since 0.2.0
 */
export const stubClient = (): MongoClient =>
  ({
    db: () => stubDb,
    on: () => {},
    off: () => {},
    connect: () => Promise.resolve(),
    close: () => Promise.resolve()
  }) as unknown as MongoClient

const stubNode = (role: Node.Role, connectionId: number): Node.Node => {
  const address = role === "master" ? "stub-master:1" : `stub-slave-${connectionId}:1`
  const node = new Node.Node(role, connectionId, address, `mongodb://${address}`, stubClient())
  node.connected = true
  return node
}

/**
 * A connection over a stub master and `slaves` stub slaves, with the
 * library's defaults (random read order, attempt timeout 2 s, health checks
 * every second, operation timeout 10 s) and no heartbeat, for as long as the
 * scope lives.
 *
 * @since 0.2.0
 */
export const stubConnection = (
  slaves: number
): Effect.Effect<MasterSlaveConnection.MasterSlaveConnection, BenchError, Scope.Scope> => {
  const nodes = Array.from({ length: slaves }, (_, i) => stubNode("slave", i))
  const master = Layer.succeed(Master.Master, {
    node: stubNode("master", Node.masterConnectionId),
    writeConcern: WriteConcern.acknowledged,
    operationTimeoutMillis: 10_000
  })
  const slavesLayer = Layer.succeed(Slaves.Slaves, {
    nodes: nodes as unknown as readonly [Node.Node, ...Array<Node.Node>],
    attemptTimeoutMillis: 2_000,
    healthCheckIntervalMillis: 1_000
  })
  return Layer.build(
    MasterSlaveConnection.layer({ heartbeat: false }).pipe(Layer.provide(Layer.merge(master, slavesLayer)))
  ).pipe(
    Effect.map((context) => Context.get(context, MasterSlaveConnection.MasterSlaveConnection)),
    Effect.mapError(during("build a connection over stub nodes"))
  )
}

class SpanKeepingNothing implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId = "0000000000000000"
  readonly traceId = "00000000000000000000000000000000"
  readonly sampled = true
  readonly attributes: ReadonlyMap<string, unknown> = new Map()
  readonly status: Tracer.SpanStatus
  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Context.Context<never>,
    readonly links: ReadonlyArray<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind
  ) {
    this.status = { _tag: "Started", startTime }
  }
  end(_endTime: bigint, _exit: Exit.Exit<unknown, unknown>): void {}
  attribute(_key: string, _value: unknown): void {}
  event(_name: string, _startTime: bigint, _attributes?: Record<string, unknown>): void {}
  addLinks(_links: ReadonlyArray<Tracer.SpanLink>): void {}
}

/**
 * A tracer whose spans keep nothing and go nowhere: installed (with
 * `Effect.withTracer`), it makes the library trace as under a real one, at
 * the least cost a real one could have.
 *
 * @since 0.2.0
 */
export const tracerKeepingNothing: Tracer.Tracer = Tracer.make({
  span: (name, parent, context, links, startTime, kind) =>
    new SpanKeepingNothing(name, parent, context, links, startTime, kind),
  context: (f) => f()
})
