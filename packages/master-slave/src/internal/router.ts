import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import { AllSlavesUnavailable, ConnectionError, NodeUnavailable } from "../Errors.js"
import * as Metrics from "../Metrics.js"
import type { Node } from "../Node.js"
import { attemptOrder, type ReadStrategy } from "../ReadStrategy.js"
import { currentRequest } from "../Request.js"
import type { Operation } from "./driver.js"
import { firstAvailable } from "./failover.js"
import type { Health } from "./health.js"
import * as NodeMetrics from "./metrics.js"
import { ensureConnected, noteFailure } from "./node.js"

/** An operation's work on one node. */
export type Run<A, E> = (node: Node) => Effect.Effect<A, E>

/** The errors any operation on a node can add. */
export type NodeError = NodeUnavailable | ConnectionError

export interface Router {
  readonly master: Node
  readonly slaves: ReadonlyArray<Node>
  readonly isClosed: () => boolean
  /** A write or command: on the master. */
  readonly onMaster: <A, E extends { readonly _tag: string }>(
    operation: Operation,
    run: Run<A, E>
  ) => Effect.Effect<A, E | NodeError>
  /**
   * A read: on the master inside a request; otherwise on the slaves in the
   * strategy's order, moving on only from an unavailable slave.
   */
  readonly read: <A, E extends { readonly _tag: string }>(
    operation: Operation,
    run: Run<A, E>
  ) => Effect.Effect<A, Exclude<E, NodeUnavailable> | NodeError | AllSlavesUnavailable>
  /** An operation on one given node, no failover (closing a cursor where it lives). */
  readonly onNode: <A, E extends { readonly _tag: string }>(
    node: Node,
    operation: Operation,
    run: Run<A, E>
  ) => Effect.Effect<A, E | NodeError>
  /** How long one round trip to the node may take: the attempt timeout on a slave, unbounded on the master. */
  readonly roundTripTimeout: (node: Node) => Option.Option<number>
  readonly close: Effect.Effect<void>
}

export interface RouterOptions {
  readonly master: Node
  readonly slaves: ReadonlyArray<Node>
  readonly attemptTimeoutMillis: number
  readonly strategy: ReadStrategy
  readonly fallbackToMaster: boolean
  readonly health: Health
}

const spanName = (operation: Operation) =>
  operation.collection === undefined
    ? `${operation.name} ${operation.database}`
    : `${operation.name} ${operation.collection}`

const spanAttributes = (operation: Operation) => ({
  "db.system": "mongodb",
  "db.operation.name": operation.name,
  "db.namespace": operation.database,
  ...(operation.collection === undefined ? {} : { "db.collection.name": operation.collection })
})

const nodeAttributes = (node: Node) => {
  const [host, port] = (node.address.split(",")[0] ?? "").split(":")
  return {
    "server.address": host,
    "server.port": Number(port),
    "db.mongodb.node": Metrics.nodeTag(node),
    "db.mongodb.node.role": node.role,
    "db.mongodb.node.connection_id": node.connectionId
  }
}

export const make = (options: RouterOptions): Router => {
  const { master, slaves, health, strategy } = options
  let closed = false
  const metrics = new Map<Node, NodeMetrics.NodeMetrics>(
    [master, ...slaves].map((node) => [node, NodeMetrics.forNode(node)])
  )
  const attributes = new Map([master, ...slaves].map((node) => [node, nodeAttributes(node)]))

  const onNode = <A, E extends { readonly _tag: string }>(
    node: Node,
    run: Run<A, E>
  ): Effect.Effect<A, E | NodeError> =>
    Effect.suspend(() => {
      if (closed) {
        return Effect.fail(
          new ConnectionError({ address: node.address, reason: "the connection was closed by disconnect" })
        )
      }
      const nodeMetrics = metrics.get(node)!
      const started = performance.now()
      return ensureConnected(node).pipe(
        Effect.zipRight(run(node)),
        Effect.onExit((exit) => {
          const record = Metric.increment(nodeMetrics.operations).pipe(
            Effect.zipRight(Metric.update(nodeMetrics.latency, performance.now() - started))
          )
          if (Exit.isSuccess(exit)) return Effect.zipRight(record, Effect.annotateCurrentSpan(attributes.get(node)!))
          Option.map(Cause.failureOption(exit.cause), (error) => noteFailure(node, error))
          return Effect.zipRight(record, Metric.increment(nodeMetrics.errors))
        })
      )
    })

  const onMasterNode = <A, E extends { readonly _tag: string }>(run: Run<A, E>) => onNode(master, run)

  const attempt = <A, E extends { readonly _tag: string }>(slave: Node, run: Run<A, E>) =>
    Effect.suspend(() => {
      const started = performance.now()
      return onNode(slave, run).pipe(
        Effect.timeoutFail({
          duration: options.attemptTimeoutMillis,
          onTimeout: () =>
            new NodeUnavailable({
              node: slave,
              reason: `no answer within the attempt timeout (${options.attemptTimeoutMillis} ms)`
            })
        }),
        Effect.tapBoth({
          onFailure: (error) => (error._tag === "NodeUnavailable" ? health.failed(slave.connectionId) : Effect.void),
          onSuccess: () => health.succeeded(slave.connectionId, performance.now() - started)
        })
      )
    })

  const passedOver = (slave: Node, error: NodeUnavailable) =>
    Metric.increment(metrics.get(slave)!.failovers).pipe(
      Effect.zipRight(
        Effect.currentSpan.pipe(
          Effect.flatMap((span) =>
            Effect.map(Clock.currentTimeNanos, (now) =>
              span.event("failover", now, { ...attributes.get(slave)!, "error.message": error.reason })
            )
          ),
          Effect.ignore
        )
      )
    )

  const isUnavailable = <E>(error: E | NodeError): error is NodeUnavailable =>
    (error as { readonly _tag: string })._tag === "NodeUnavailable"

  const fromSlaves = <A, E extends { readonly _tag: string }>(run: Run<A, E>) =>
    Effect.gen(function* () {
      const statuses = yield* health.statuses
      const order = attemptOrder(statuses, yield* strategy.order(statuses))
      return yield* firstAvailable({
        order: order.map((id) => slaves[id]!),
        attempt: (slave: Node) => attempt(slave, run),
        isUnavailable,
        onAllUnavailable: (attempts) => new AllSlavesUnavailable({ attempts }),
        onUnavailable: passedOver
      })
    })

  const read = <A, E extends { readonly _tag: string }>(operation: Operation, run: Run<A, E>) =>
    FiberRef.get(currentRequest).pipe(
      Effect.flatMap((inRequest): Effect.Effect<A, E | NodeError | AllSlavesUnavailable> => {
        if (inRequest) return onMasterNode(run)
        const routed = fromSlaves(run)
        return options.fallbackToMaster
          ? Effect.catchIf(
              routed,
              (error): error is AllSlavesUnavailable => error._tag === "AllSlavesUnavailable",
              () => onMasterNode(run)
            )
          : routed
      }),
      Effect.withSpan(spanName(operation), { kind: "client", attributes: spanAttributes(operation) })
    ) as Effect.Effect<A, Exclude<E, NodeUnavailable> | NodeError | AllSlavesUnavailable>

  return {
    master,
    slaves,
    isClosed: () => closed,
    onMaster: (operation, run) =>
      onMasterNode(run).pipe(
        Effect.withSpan(spanName(operation), { kind: "client", attributes: spanAttributes(operation) })
      ),
    read,
    onNode: (node, operation, run) =>
      onNode(node, run).pipe(
        Effect.withSpan(spanName(operation), { kind: "client", attributes: spanAttributes(operation) })
      ),
    roundTripTimeout: (node) => (node.role === "slave" ? Option.some(options.attemptTimeoutMillis) : Option.none()),
    close: Effect.suspend(() => {
      if (closed) return Effect.void
      closed = true
      return Effect.forEach([master, ...slaves], (node) => Effect.promise(() => node.client.close()), {
        concurrency: "unbounded",
        discard: true
      })
    })
  }
}
