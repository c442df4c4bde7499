import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import { AllSlavesUnavailable, ConnectionError, NodeUnavailable, type OperationTimeout, StaleSlave } from "../Errors.js"
import * as Metrics from "../Metrics.js"
import type { Node } from "../Node.js"
import { attemptOrder, type ReadStrategy } from "../ReadStrategy.js"
import { type CausalSession, currentConsistency, now } from "./consistency.js"
import { type CallObserver, type Deadline, deadlineIn, earliest, type Operation } from "./driver.js"
import { firstAvailable, firstAvailableHedged } from "./failover.js"
import type { Health } from "./health.js"
import type { Heartbeat } from "./heartbeat.js"
import { causalOutcome, recorder } from "./metrics.js"
import type { Monitor } from "./monitor.js"
import { ensureConnected, noteFailure } from "./node.js"
import { mayCatchUp, requiredPosition, splitByFreshness } from "./routing.js"

/**
 * An operation's work on one node, within a deadline its driver calls must
 * keep (`readCall`, `writeCall` and `commandCall` do): on a slave the
 * attempt's, on the master the operation's — or the whole read's, if sooner.
 */
export type Run<A, E> = (node: Node, deadline: Deadline) => Effect.Effect<A, E>

/** The errors any operation on a node can add. */
export type NodeError = NodeUnavailable | ConnectionError | OperationTimeout

/** What one read asks for beyond the fiber's consistency. */
export interface ReadOptions {
  /** This read's staleness bound, in milliseconds (over the fiber's and the connection's). */
  readonly maxStalenessMillis?: number | undefined
}

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
    run: Run<A, E>,
    options?: ReadOptions
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
  /** The budget of every master operation (default 10 s). */
  readonly operationTimeoutMillis?: number | undefined
  /** The budget of a whole read: its attempts, waits and fallback (default 5 s). */
  readonly readTimeoutMillis?: number | undefined
  readonly strategy: ReadStrategy
  readonly fallbackToMaster: boolean
  readonly health: Health
  /** The connection's staleness bound for every read, in milliseconds. */
  readonly maxStalenessMillis?: number | undefined
  /** How long a causal read may wait for a slave to catch up before it goes to the master. */
  readonly causalWaitMillis?: number | undefined
  /** The heartbeat that measures staleness; without one every slave's staleness is unknown. */
  readonly heartbeat?: Heartbeat | undefined
  readonly monitor?: Monitor | undefined
  /** Hedged reads: off when undefined. */
  readonly hedge?: HedgeOptions | undefined
}

/** How reads hedge (see `firstAvailableHedged`). */
export interface HedgeOptions {
  /** A fixed delay before the next slave's attempt starts beside the first; `undefined`: the slave's p95 latency. */
  readonly delayMillis?: number | undefined
  /** At most this share of reads may start an extra attempt (0 to 1). */
  readonly maxShare: number
}

// how many hedges may go at once after a quiet spell, on top of the share
const hedgeBurst = 10

const spanName = (operation: Operation) =>
  operation.collection === undefined
    ? `${operation.name} ${operation.database}`
    : `${operation.name} ${operation.collection}`

const spanAttributes = (operation: Operation) => ({
  "db.system.name": "mongodb",
  "db.operation.name": operation.name,
  "db.namespace": operation.database,
  ...(operation.collection === undefined ? {} : { "db.collection.name": operation.collection })
})

const nodeAttributes = (node: Node) => {
  const [host, port] = (node.address.split(",")[0] ?? "").split(":")
  return {
    "server.address": host,
    "server.port": Number(port),
    // the library's own attributes, out of the standard's db.mongodb.* names
    "msc.node": Metrics.nodeTag(node),
    "msc.node.role": node.role,
    "msc.node.connection_id": node.connectionId
  }
}

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

// Effect's own tracer, the one a program has until it installs another: its
// spans go nowhere, so an operation run under it makes none
const defaultTracer = Effect.runSync(Effect.tracer)

// What an operation records its node and events on when no tracer would see
// them: one span for every operation, which keeps nothing. The router skips
// the work of describing a node to it (see `recordsNothing`).
const silentSpan: Tracer.Span = {
  _tag: "Span",
  name: "mongo-master-slave",
  spanId: "",
  traceId: "",
  parent: Option.none(),
  context: Context.empty(),
  status: { _tag: "Started", startTime: 0n },
  attributes: new Map(),
  links: [],
  sampled: false,
  kind: "client",
  end: () => {},
  attribute: () => {},
  event: () => {},
  addLinks: () => {}
}

/** Whether what is recorded on the span is dropped: no tracer sees it. */
const recordsNothing = (span: Tracer.Span) => span === silentSpan

/**
 * Runs `body` in a client span for the operation, handing it the span so the
 * node that answered and the slaves passed over are recorded on it directly,
 * without an effect each. Under Effect's default tracer, whose spans nobody
 * sees, no span is made.
 */
const traced = <A, E, R>(
  fiber: Fiber.RuntimeFiber<unknown, unknown>,
  operation: Operation,
  body: (span: Tracer.Span) => Effect.Effect<A, E, R>
) => {
  if (Context.unsafeGet(fiber.currentDefaultServices, Tracer.Tracer) === defaultTracer) {
    return body(silentSpan)
  }
  const [name, options] = spanOf(operation)
  const timed = fiber.getFiberRef(FiberRef.currentTracerTimingEnabled)
  const clock = Context.get(fiber.currentDefaultServices, Clock.Clock)
  const end = (span: Tracer.Span, exit: Exit.Exit<unknown, unknown>) => {
    if (span.status._tag !== "Ended") span.end(timed ? clock.unsafeCurrentTimeNanos() : 0n, exit)
  }
  // what Effect.useSpan does, with the error's attributes set in the same
  // handler and the span ended by a failure handler in a mask rather than by
  // onExit, which costs several times as much on every operation
  return Effect.flatMap(Effect.makeSpan(name, options), (span) => {
    return Effect.uninterruptibleMask((restore) =>
      Effect.matchCauseEffect(restore(body(span)), {
        onSuccess: (value) => {
          end(span, Exit.succeed(value))
          return Effect.succeed(value)
        },
        onFailure: (cause) => {
          if (cause._tag === "Fail") errorAttributes(span, cause.error)
          end(span, Exit.failCause(cause))
          return Effect.failCause(cause)
        }
      })
    )
  })
}

// OpenTelemetry's failure attributes: the error's class, and the server's code if it gave one
const errorAttributes = (span: Tracer.Span, error: unknown) => {
  const tagged = error as { readonly _tag?: unknown; readonly code?: unknown }
  span.attribute("error.type", typeof tagged._tag === "string" ? tagged._tag : "Error")
  if (tagged.code !== undefined) span.attribute("db.response.status_code", String(tagged.code))
}

const closedError = (node: Node) =>
  Effect.fail(new ConnectionError({ address: node.address, reason: "the connection was closed by disconnect" }))

export const make = (options: RouterOptions): Router => {
  const { master, slaves, health, strategy, heartbeat, monitor } = options
  const causalWaitMillis = options.causalWaitMillis ?? 0
  const operationTimeoutMillis = options.operationTimeoutMillis ?? 10_000
  const readTimeoutMillis = options.readTimeoutMillis ?? 5_000
  let closed = false
  const nodes = [master, ...slaves]
  const recorders = new Map(nodes.map((node) => [node, recorder(node)]))
  const attributes = new Map(nodes.map((node) => [node, Object.entries(nodeAttributes(node))]))

  // An attempt on a slave that runs out of its time while the slave answered
  // other calls meanwhile (a probe, another read) is a slow call, not a dead
  // slave: it goes on, within the read's budget, rather than failing over to a
  // slave where it would be as slow. The slave is marked slow meanwhile. A
  // slave that answered nothing since the attempt began is given up on.
  const onExtend = slaves.map(
    (slave) => () =>
      health.unsafeTrouble(slave.connectionId, "slow", "a read ran past the attempt timeout on it", false)
  )
  // alive: not down, answered something since the attempt began, and not
  // stalled now — answers from just before a hang must not keep a call waiting on it
  const aliveSince = slaves.map(
    (slave) => (since: number) =>
      !health.isDown(slave.connectionId) &&
      health.answeredSince(slave.connectionId, since) &&
      !health.isStalled(slave.connectionId)
  )
  // the calls on each slave, for the detection of one that stalls; an attempt
  // interrupted (a hedge that lost) that answers after all: the slave is alive
  const callsOn = slaves.map(
    ({ connectionId: id }): CallObserver => ({
      started: () => health.unsafeCallStarted(id),
      ended: (unanswered) => health.unsafeCallEnded(id, unanswered),
      answeredLate: () => health.unsafeAnswered(id)
    })
  )
  const attemptTimeoutMillis = options.attemptTimeoutMillis
  const attemptDeadline = (slave: Node, readDeadline: Deadline | undefined): Deadline => {
    const since = performance.now()
    const at = since + attemptTimeoutMillis
    const calls = callsOn[slave.connectionId]!
    if (readDeadline === undefined) return { at, timeoutMillis: attemptTimeoutMillis, budget: "attemptTimeout", calls }
    if (readDeadline.at <= at) return { ...readDeadline, calls }
    return {
      at,
      timeoutMillis: attemptTimeoutMillis,
      budget: "attemptTimeout",
      extend: {
        deadline: readDeadline,
        since,
        alive: aliveSince[slave.connectionId]!,
        onExtend: onExtend[slave.connectionId]!
      },
      calls
    }
  }

  // An operation's work on one node, started as it is built: its deadline and
  // clock start now. Called only as the operation runs (see `onNode`).
  const onNodeNow = <A, E extends { readonly _tag: string }>(
    span: Tracer.Span,
    operation: Operation,
    node: Node,
    readDeadline: Deadline | undefined,
    run: Run<A, E>,
    failingOver = false
  ): Effect.Effect<A, E | NodeError> => {
    // a slave's attempt deadline already knows the read's
    const deadline =
      node.role === "slave"
        ? attemptDeadline(node, readDeadline)
        : earliest(deadlineIn(operationTimeoutMillis, "operationTimeout"), readDeadline)
    if (closed) return closedError(node)
    if (node.role === "slave") {
      // found down since the read began (its order was taken then): not tried
      if (health.isDown(node.connectionId)) return Effect.fail(skipped(node.connectionId))
      // a read already let down by one slave does not wait out another that
      // has answered nothing for a while: it fails (or falls back) at once
      if (failingOver && health.isStalled(node.connectionId)) return Effect.fail(stalledError(node))
    }
    const started = performance.now()
    const work = node.connected
      ? run(node, deadline)
      : Effect.zipRight(ensureConnected(node, deadline), run(node, deadline))
    // Bookkeeping when the attempt ends — not when it is interrupted: a hedge
    // that lost, or a read given up by its caller, is neither an error nor
    // news of the node (an interrupted fiber skips these continuations).
    return Effect.matchCauseEffect(work, {
      onSuccess: (value) => {
        const millis = performance.now() - started
        recorders.get(node)!.operation(operation, millis)
        if (node.role === "slave") health.unsafeSucceeded(node.connectionId, millis)
        if (recordsNothing(span)) return Effect.succeed(value)
        if (node.role === "slave") {
          const seen = health.seen[node.connectionId]!
          if (seen !== Number.NEGATIVE_INFINITY)
            span.attribute("msc.slave.staleness_bound_ms", Math.max(0, now() - seen))
        }
        for (const [key, value] of attributes.get(node)!) span.attribute(key, value)
        return Effect.succeed(value)
      },
      onFailure: (cause) => {
        if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause)
        const millis = performance.now() - started
        const failure = Option.getOrUndefined(Cause.failureOption(cause))
        recorders.get(node)!.operation(operation, millis, failure ?? { _tag: "Defect" })
        if (node.role === "slave" && failure?._tag === "NodeUnavailable") {
          // refused, or said it cannot serve: down, skipped until the prober sees it
          // back; no answer in time, or a broken connection: slow, tried last, probed now
          const kind = (failure as NodeUnavailable).kind
          health.unsafeTrouble(
            node.connectionId,
            kind === "refused" || kind === "not-serving" ? "down" : "slow",
            (failure as NodeUnavailable).reason,
            // no answer in time: the copy is what it was (a broken connection may be a restart)
            kind !== "timeout"
          )
        }
        if (failure !== undefined) noteFailure(node, failure)
        // an error from the server is still an answer: the node is there
        if (node.role === "slave" && failure?._tag === "ServerError") health.unsafeAnswered(node.connectionId)
        return Effect.failCause(cause)
      }
    })
  }

  // The same, started when it runs, not when it is built: a read over
  // several slaves builds every slave's attempt before it tries the first.
  const onNode: typeof onNodeNow = (...args) => Effect.suspend(() => onNodeNow(...args))

  const passedOver = (span: Tracer.Span) => (slave: Node, error: NodeUnavailable) =>
    Effect.map(Clock.currentTimeNanos, (now) => {
      recorders.get(slave)!.failover()
      span.event("failover", now, { ...Object.fromEntries(attributes.get(slave)!), "error.message": error.reason })
    })

  const isUnavailable = <E>(error: E | NodeError): error is NodeUnavailable =>
    (error as { readonly _tag: string })._tag === "NodeUnavailable"

  // A slave known to be down, as the read reports it: not tried.
  const skipped = (id: number) => {
    const trouble = health.trouble(id)
    const since = trouble === undefined ? "" : ` for ${Math.round(performance.now() - trouble.since)} ms`
    return new NodeUnavailable({
      node: slaves[id]!,
      reason: `known to be down${since} (${trouble?.reason ?? "no answer"}), so not tried: the prober brings it back when it answers`,
      kind: "down"
    })
  }

  const hedge = options.hedge
  let hedgeTokens = hedgeBurst
  const hedgeAfter = (slave: Node): number | undefined => {
    if (hedge?.delayMillis !== undefined) return hedge.delayMillis
    const p95 = health.latencyP95(slave.connectionId)
    return p95 === undefined ? undefined : Math.max(1, p95)
  }
  // A hedge away from a slave that is suspect (it has begun to hang, or has
  // stalled) is failover, not a wager: it costs no token. Any other spends one.
  const mayHedge = (slave: Node) => {
    if (health.isSuspect(slave.connectionId)) return true
    if (hedgeTokens < 1) return false
    hedgeTokens -= 1
    return true
  }
  // a hedge refused for want of tokens is asked for again when the slave would
  // count as suspect: if it does, the hedge is free
  const askAgainAfter = (slave: Node) => health.untilSuspect(slave.connectionId)
  const hedged = (span: Tracer.Span) => (slave: Node) =>
    Effect.map(Clock.currentTimeNanos, (at) => {
      recorders.get(slave)!.hedge()
      span.event("hedge", at, Object.fromEntries(attributes.get(slave)!))
    })

  const stalledError = (slave: Node) =>
    new NodeUnavailable({
      node: slave,
      reason: "calls to it have gone unanswered for a while (it has stalled), so not tried on failover",
      kind: "timeout"
    })

  const onAllUnavailableOf =
    (order: ReadonlyArray<number>) =>
    (attempts: ReadonlyArray<NodeUnavailable>): AllSlavesUnavailable => {
      const tried = new Set(order)
      const untried = slaves.filter((slave) => !tried.has(slave.connectionId))
      return new AllSlavesUnavailable({
        attempts: [
          ...attempts,
          ...untried.flatMap((slave) =>
            health.isDown(slave.connectionId)
              ? [skipped(slave.connectionId)]
              : health.isStalled(slave.connectionId)
                ? [stalledError(slave)]
                : []
          )
        ]
      })
    }

  const firstAvailableOf = <A, E extends { readonly _tag: string }>(
    span: Tracer.Span,
    operation: Operation,
    order: ReadonlyArray<number>,
    run: Run<A, E>,
    readDeadline: Deadline
  ) => {
    const onlyTheSlave = order === onlySlave
    const nodes = onlyTheSlave ? onlySlaveNodes : order.map((id) => slaves[id]!)
    // one slave: its attempt is built as the read runs (see `firstAvailable`)
    const attempt =
      order.length === 1
        ? (slave: Node) => onNodeNow(span, operation, slave, readDeadline, run)
        : (slave: Node, index: number) => onNode(span, operation, slave, readDeadline, run, index > 0)
    if (hedge === undefined || order.length < 2) {
      return firstAvailable({
        order: nodes,
        attempt,
        isUnavailable,
        onAllUnavailable: onlyTheSlave ? onlySlaveAllUnavailable : onAllUnavailableOf(order),
        onUnavailable: recordsNothing(span) ? passedOverSilently : passedOver(span)
      })
    }
    // every read that could hedge earns its share of a hedge
    hedgeTokens = Math.min(hedgeBurst, hedgeTokens + hedge.maxShare)
    // (one object literal: spreading the options of the plain race into it cost more than the race)
    return firstAvailableHedged({
      order: nodes,
      attempt,
      isUnavailable,
      onAllUnavailable: onAllUnavailableOf(order),
      onUnavailable: passedOver(span),
      hedgeAfter,
      mayHedge,
      askAgainAfter,
      onHedge: hedged(span)
    })
  }

  // with one slave there is no order to choose: the strategy is not asked
  const onlySlave: ReadonlyArray<number> = [0]
  // what a read over the only slave, or with no span to record on, needs of its own: made once
  const onlySlaveNodes: ReadonlyArray<Node> = slaves.slice(0, 1)
  const onlySlaveAllUnavailable = onAllUnavailableOf(onlySlave)
  const passedOverSilently = passedOver(silentSpan)
  const fromSlaves = <A, E extends { readonly _tag: string }>(
    span: Tracer.Span,
    operation: Operation,
    run: Run<A, E>,
    readDeadline: Deadline,
    masterAfter = false
  ) => {
    const statuses = health.unsafeStatuses()
    const orderOf = (proposed: ReadonlyArray<number>) => {
      const order = attemptOrder(statuses, proposed)
      // with the master to turn to, slaves that have all stalled are not waited on
      return masterAfter && order.every((id) => health.isStalled(id)) ? noSlave : order
    }
    if (slaves.length === 1) return firstAvailableOf(span, operation, orderOf(onlySlave), run, readDeadline)
    return Effect.flatMap(strategy.order(statuses), (proposed) =>
      firstAvailableOf(span, operation, orderOf(proposed), run, readDeadline)
    )
  }
  const noSlave: ReadonlyArray<number> = []

  const onMasterNode = <A, E extends { readonly _tag: string }>(
    span: Tracer.Span,
    operation: Operation,
    run: Run<A, E>,
    readDeadline?: Deadline
  ) => onNodeNow(span, operation, master, readDeadline, run)

  const isAllUnavailable = (error: { readonly _tag: string }): error is AllSlavesUnavailable =>
    error._tag === "AllSlavesUnavailable"

  // Records a slave passed over as too stale, once per read.
  const tooStale = (span: Tracer.Span, id: number, startedAt: number, required: number | "causal") => {
    const slave = slaves[id]!
    const bound = health.stalenessMillis(id, startedAt)
    const error = new StaleSlave({
      node: slave,
      stalenessMillis: Number.isFinite(bound) ? bound : undefined,
      required
    })
    recorders.get(slave)!.staleSkip()
    span.event("stale", BigInt(Math.round(startedAt * 1e6)), {
      ...Object.fromEntries(attributes.get(slave)!),
      "msc.slave.staleness_bound_ms": Number.isFinite(bound) ? bound : -1
    })
    return error
  }

  /**
   * A read that must reflect every write acknowledged before `position`: the
   * slaves that have shown a heartbeat sent at or after it, in the
   * strategy's order; in a causal scope, a bounded wait for one to catch up;
   * then the master (causal, or `fallbackToMaster`) or `AllSlavesUnavailable`.
   */
  const freshRead = <A, E extends { readonly _tag: string }>(
    span: Tracer.Span,
    operation: Operation,
    run: Run<A, E>,
    readDeadline: Deadline,
    causalPosition: number,
    maxStalenessMillis: number | undefined
  ): Effect.Effect<A, E | NodeError | AllSlavesUnavailable> =>
    Effect.gen(function* () {
      const startedAt = now()
      const position = requiredPosition(causalPosition, startedAt, maxStalenessMillis)
      if (position === Number.NEGATIVE_INFINITY) return yield* routed(span, operation, run, readDeadline)
      const causal = causalPosition !== Number.NEGATIVE_INFINITY
      const required: number | "causal" =
        causal && position === causalPosition ? "causal" : (maxStalenessMillis ?? "causal")
      span.attribute("msc.read.consistency", causal ? "causal" : "bounded")
      const slaveShare = slaveShareOf(readDeadline)
      // the wait ends with the causal wait, or sooner with the slaves' share of the budget (on the same clock)
      const deadline = Math.min(startedAt + causalWaitMillis, performance.timeOrigin + slaveShare.at)
      const staleErrors = new Map<number, StaleSlave>()
      let unavailable: ReadonlyArray<NodeUnavailable | StaleSlave> = []
      let waited = false
      while (true) {
        const statuses = health.unsafeStatuses()
        const order = attemptOrder(statuses, yield* strategy.order(statuses))
        const { fresh, stale } = splitByFreshness(order, health.seen, position)
        for (const id of stale) {
          if (!staleErrors.has(id)) staleErrors.set(id, tooStale(span, id, startedAt, required))
        }
        if (fresh.length > 0) {
          const outcome = yield* Effect.either(
            firstAvailableOf(
              span,
              operation,
              fresh,
              run,
              causal || options.fallbackToMaster ? slaveShare : readDeadline
            )
          )
          if (outcome._tag === "Right") {
            if (causal) causalOutcome(waited ? "waited" : "slave")
            return outcome.right
          }
          if (!isAllUnavailable(outcome.left)) return yield* Effect.fail(outcome.left)
          unavailable = [...unavailable, ...outcome.left.attempts]
        }
        if (
          !causal ||
          monitor === undefined ||
          !mayCatchUp(order, health.isDown, health.lag, position, deadline) ||
          !(yield* monitor.awaitPosition(position, deadline))
        ) {
          break
        }
        waited = true
      }
      if (causal) causalOutcome("master")
      if (causal || options.fallbackToMaster) {
        span.attribute("msc.read.fallback", "master")
        return yield* onMasterNode(span, operation, run, readDeadline)
      }
      const tried = new Set(unavailable.map((attempt) => attempt.node.connectionId))
      const stale = [...staleErrors.values()].filter((e) => !tried.has(e.node.connectionId))
      const listed = new Set([...tried, ...stale.map((e) => e.node.connectionId)])
      const down = slaves.filter((slave) => !listed.has(slave.connectionId) && health.isDown(slave.connectionId))
      return yield* Effect.fail(
        new AllSlavesUnavailable({
          attempts: [...unavailable, ...stale, ...down.map((slave) => skipped(slave.connectionId))]
        })
      )
    })

  const connectionMaxStaleness = options.maxStalenessMillis

  // A read that may end on the master leaves it part of its budget: the slaves
  // get the rest, so slaves that hang cannot use up what the master needs.
  const masterShareMillis = Math.min(operationTimeoutMillis, readTimeoutMillis / 2)
  const slaveShareOf = (readDeadline: Deadline): Deadline => ({
    at: readDeadline.at - masterShareMillis,
    timeoutMillis: readDeadline.timeoutMillis - masterShareMillis,
    budget: "slaveShare"
  })

  // slaves in the strategy's order; then the master if `fallbackToMaster`
  const routed = <A, E extends { readonly _tag: string }>(
    span: Tracer.Span,
    operation: Operation,
    run: Run<A, E>,
    readDeadline: Deadline
  ): Effect.Effect<A, E | NodeError | AllSlavesUnavailable> => {
    if (!options.fallbackToMaster) return fromSlaves(span, operation, run, readDeadline)
    return Effect.catchIf(fromSlaves(span, operation, run, slaveShareOf(readDeadline), true), isAllUnavailable, () =>
      onMasterNode(span, operation, run, readDeadline)
    )
  }

  const read = <A, E extends { readonly _tag: string }>(
    operation: Operation,
    run: Run<A, E>,
    readOptions?: ReadOptions
  ) =>
    Effect.withFiberRuntime<A, E | NodeError | AllSlavesUnavailable>((fiber) => {
      const state = fiber.getFiberRef(currentConsistency)
      return traced(fiber, operation, (span): Effect.Effect<A, E | NodeError | AllSlavesUnavailable> => {
        if (closed) return closedError(master)
        // the read's budget starts now, for all its attempts, waits and fallback
        const readDeadline = deadlineIn(readTimeoutMillis, "readTimeout")
        if (state.request) return onMasterNode(span, operation, run, readDeadline)
        const maxStaleness = readOptions?.maxStalenessMillis ?? state.maxStalenessMillis ?? connectionMaxStaleness
        const causalPosition = state.session?.position ?? Number.NEGATIVE_INFINITY
        if (maxStaleness === undefined && causalPosition === Number.NEGATIVE_INFINITY) {
          return routed(span, operation, run, readDeadline)
        }
        return freshRead(span, operation, run, readDeadline, causalPosition, maxStaleness)
      })
    }) as Effect.Effect<A, Exclude<E, NodeUnavailable> | NodeError | AllSlavesUnavailable>

  // A write (or command) in a causal scope moves the scope's position on to
  // the moment it completed — acknowledged, failed or interrupted alike, since
  // an unanswered write may still have been applied — and asks for the
  // heartbeat that will prove it replicated.
  const advance = (session: CausalSession) =>
    Effect.sync(() => {
      const at = now()
      if (at > session.position) session.position = at
      heartbeat?.cover(at)
    })

  return {
    master,
    slaves,
    isClosed: () => closed,
    onMaster: (operation, run) =>
      Effect.withFiberRuntime((fiber) => {
        const session = fiber.getFiberRef(currentConsistency).session
        return traced(fiber, operation, (span) =>
          session === undefined
            ? onMasterNode(span, operation, run)
            : Effect.ensuring(onMasterNode(span, operation, run), advance(session))
        )
      }),
    read,
    onNode: (node, operation, run) =>
      Effect.withFiberRuntime((fiber) =>
        traced(fiber, operation, (span) => onNodeNow(span, operation, node, undefined, run))
      ),
    close: Effect.suspend(() => {
      if (closed) return Effect.void
      closed = true
      for (const node of nodes) node.closed = true
      return Effect.forEach(nodes, (node) => Effect.promise(() => node.client.close()), {
        concurrency: "unbounded",
        discard: true
      })
    })
  }
}
