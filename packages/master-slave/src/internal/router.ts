import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import type * as Tracer from "effect/Tracer"
import { AllSlavesUnavailable, ConnectionError, type NodeUnavailable } from "../Errors.js"
import * as Metrics from "../Metrics.js"
import type { Node } from "../Node.js"
import { attemptOrder, type ReadStrategy } from "../ReadStrategy.js"
import { currentRequest } from "../Request.js"
import { type Deadline, deadlineIn, type Operation } from "./driver.js"
import { firstAvailable } from "./failover.js"
import type { Health } from "./health.js"
import { recorder } from "./metrics.js"
import { ensureConnected, noteFailure } from "./node.js"

/**
 * An operation's work on one node. On a slave it gets the attempt's deadline,
 * which its driver calls must respect (`readCall` does).
 */
export type Run<A, E> = (node: Node, deadline: Deadline | undefined) => Effect.Effect<A, E>

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
  /**
   * An operation on one given node, no failover (a cursor's next batch,
   * closing a cursor where it lives); bounded by the attempt timeout on a
   * slave.
   */
  readonly onNode: <A, E extends { readonly _tag: string }>(
    node: Node,
    operation: Operation,
    run: Run<A, E>
  ) => Effect.Effect<A, E | NodeError>
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

/**
 * Runs `body` in a client span for the operation, handing it the span so the
 * node that answered and the slaves passed over are recorded on it directly,
 * without an effect each.
 */
// an operation's span name and attributes, made once per operation
const spanOptions = new WeakMap<Operation, readonly [string, Tracer.SpanOptions]>()

const spanOf = (operation: Operation) => {
  let options = spanOptions.get(operation)
  if (options === undefined) {
    options = [
      spanName(operation),
      {
        kind: "client",
        attributes: spanAttributes(operation),
        // the stack would always point here, inside the router: it tells a user nothing
        captureStackTrace: false
      }
    ]
    spanOptions.set(operation, options)
  }
  return options
}

/**
 * Runs `body` in a client span for the operation, handing it the span so the
 * node that answered and the slaves passed over are recorded on it directly,
 * without an effect each.
 */
const traced = <A, E, R>(operation: Operation, body: (span: Tracer.Span) => Effect.Effect<A, E, R>) => {
  const [name, options] = spanOf(operation)
  return Effect.useSpan(name, options, body)
}

export const make = (options: RouterOptions): Router => {
  const { master, slaves, health, strategy } = options
  let closed = false
  const nodes = [master, ...slaves]
  const recorders = new Map(nodes.map((node) => [node, recorder(node)]))
  const attributes = new Map(nodes.map((node) => [node, Object.entries(nodeAttributes(node))]))

  const onNode = <A, E extends { readonly _tag: string }>(
    span: Tracer.Span,
    node: Node,
    timeoutMillis: number | undefined,
    run: Run<A, E>
  ): Effect.Effect<A, E | NodeError> =>
    Effect.suspend(() => {
      // taken when the attempt starts, not when it is built: a read builds
      // every slave's attempt before it tries the first
      const deadline = timeoutMillis === undefined ? undefined : deadlineIn(timeoutMillis)
      if (closed) {
        return Effect.fail(
          new ConnectionError({ address: node.address, reason: "the connection was closed by disconnect" })
        )
      }
      const started = performance.now()
      const work = node.connected
        ? run(node, deadline)
        : Effect.zipRight(ensureConnected(node, deadline), run(node, deadline))
      return Effect.onExit(work, (exit) => {
        const millis = performance.now() - started
        const failure = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
        recorders.get(node)!.operation(millis, Exit.isFailure(exit))
        if (node.role === "slave") {
          if (Exit.isSuccess(exit)) health.unsafeSucceeded(node.connectionId, millis)
          else if (failure?._tag === "NodeUnavailable") health.unsafeMark(node.connectionId, false)
        }
        if (failure !== undefined) noteFailure(node, failure)
        else for (const [key, value] of attributes.get(node)!) span.attribute(key, value)
        return Effect.void
      })
    })

  const passedOver = (span: Tracer.Span) => (slave: Node, error: NodeUnavailable) =>
    Effect.map(Clock.currentTimeNanos, (now) => {
      recorders.get(slave)!.failover()
      span.event("failover", now, { ...Object.fromEntries(attributes.get(slave)!), "error.message": error.reason })
    })

  const isUnavailable = <E>(error: E | NodeError): error is NodeUnavailable =>
    (error as { readonly _tag: string })._tag === "NodeUnavailable"

  const fromSlaves = <A, E extends { readonly _tag: string }>(span: Tracer.Span, run: Run<A, E>) =>
    Effect.gen(function* () {
      const statuses = health.unsafeStatuses()
      const order = attemptOrder(statuses, yield* strategy.order(statuses))
      return yield* firstAvailable({
        order: order.map((id) => slaves[id]!),
        attempt: (slave: Node) => onNode(span, slave, options.attemptTimeoutMillis, run),
        isUnavailable,
        onAllUnavailable: (attempts) => new AllSlavesUnavailable({ attempts }),
        onUnavailable: passedOver(span)
      })
    })

  const onMasterNode = <A, E extends { readonly _tag: string }>(span: Tracer.Span, run: Run<A, E>) =>
    onNode(span, master, undefined, run)

  const read = <A, E extends { readonly _tag: string }>(operation: Operation, run: Run<A, E>) =>
    traced(operation, (span) =>
      Effect.flatMap(
        FiberRef.get(currentRequest),
        (inRequest): Effect.Effect<A, E | NodeError | AllSlavesUnavailable> => {
          if (inRequest) return onMasterNode(span, run)
          const routed = fromSlaves(span, run)
          return options.fallbackToMaster
            ? Effect.catchIf(
                routed,
                (error): error is AllSlavesUnavailable => error._tag === "AllSlavesUnavailable",
                () => onMasterNode(span, run)
              )
            : routed
        }
      )
    ) as Effect.Effect<A, Exclude<E, NodeUnavailable> | NodeError | AllSlavesUnavailable>

  return {
    master,
    slaves,
    isClosed: () => closed,
    onMaster: (operation, run) => traced(operation, (span) => onMasterNode(span, run)),
    read,
    onNode: (node, operation, run) =>
      traced(operation, (span) =>
        onNode(span, node, node.role === "slave" ? options.attemptTimeoutMillis : undefined, run)
      ),
    close: Effect.suspend(() => {
      if (closed) return Effect.void
      closed = true
      return Effect.forEach(nodes, (node) => Effect.promise(() => node.client.close()), {
        concurrency: "unbounded",
        discard: true
      })
    })
  }
}
