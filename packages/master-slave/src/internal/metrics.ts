import * as MetricLabel from "effect/MetricLabel"
import * as Metrics from "../Metrics.js"
import type { Node } from "../Node.js"
import type { Operation } from "./driver.js"

/** The OpenTelemetry database attributes of an operation. */
export const operationLabels = (operation: Operation): ReadonlyArray<MetricLabel.MetricLabel> => [
  MetricLabel.make("db.system.name", "mongodb"),
  MetricLabel.make("db.operation.name", operation.name),
  MetricLabel.make("db.namespace", operation.database),
  ...(operation.collection === undefined ? [] : [MetricLabel.make("db.collection.name", operation.collection)])
]

/**
 * Records one operation's outcome in the node's metrics, synchronously.
 *
 * The node's labels are one array made once: the metric registry caches a
 * metric's hook per label array, so updating the base metrics with the same
 * array finds its hook at once, where `Metric.tagged` would build a new
 * metric key on every update.
 */
export const recorder = (node: Node) => {
  const labels: ReadonlyArray<MetricLabel.MetricLabel> = [
    MetricLabel.make("node", Metrics.nodeTag(node)),
    MetricLabel.make("role", node.role)
  ]
  const [host, port] = (node.address.split(",")[0] ?? "").split(":")
  const nodeLabels = [
    MetricLabel.make("server.address", host ?? ""),
    MetricLabel.make("server.port", port ?? ""),
    MetricLabel.make("msc.node", Metrics.nodeTag(node)),
    MetricLabel.make("msc.node.role", node.role)
  ]
  // the duration's labels for each operation, made once (the registry keeps a hook per label array)
  const durationLabels = new WeakMap<Operation, ReadonlyArray<MetricLabel.MetricLabel>>()
  const labelsOf = (operation: Operation) => {
    let made = durationLabels.get(operation)
    if (made === undefined) {
      made = [...operationLabels(operation), ...nodeLabels]
      durationLabels.set(operation, made)
    }
    return made
  }
  return {
    /** An operation that ended, `failure` its error if it failed. */
    operation: (operation: Operation, millis: number, failure?: { readonly _tag: string; readonly code?: unknown }) => {
      Metrics.operations.unsafeUpdate(1, labels)
      if (failure === undefined) return Metrics.latency.unsafeUpdate(millis / 1000, labelsOf(operation))
      Metrics.errors.unsafeUpdate(1, labels)
      Metrics.latency.unsafeUpdate(millis / 1000, [
        ...labelsOf(operation),
        MetricLabel.make("error.type", failure._tag),
        ...(failure.code === undefined ? [] : [MetricLabel.make("db.response.status_code", String(failure.code))])
      ])
    },
    failover: () => Metrics.failovers.unsafeUpdate(1, labels),
    staleSkip: () => Metrics.staleSkips.unsafeUpdate(1, labels),
    hedge: () => Metrics.hedges.unsafeUpdate(1, labels),
    staleness: (millis: number) => Metrics.staleness.unsafeUpdate(millis, labels)
  }
}

const heartbeatLabels = {
  ok: [MetricLabel.make("node", "master"), MetricLabel.make("outcome", "ok")],
  failed: [MetricLabel.make("node", "master"), MetricLabel.make("outcome", "failed")]
} as const

/** Records one heartbeat written (or not) on the master. */
export const heartbeat = (_master: Node, ok: boolean): void =>
  Metrics.heartbeats.unsafeUpdate(1, ok ? heartbeatLabels.ok : heartbeatLabels.failed)

const causalLabels = {
  slave: [MetricLabel.make("outcome", "slave")],
  waited: [MetricLabel.make("outcome", "waited")],
  master: [MetricLabel.make("outcome", "master")]
} as const

/** Records how a causal read was served: by a slave at once, after waiting, or by the master. */
export const causalOutcome = (outcome: keyof typeof causalLabels): void =>
  Metrics.causalReads.unsafeUpdate(1, causalLabels[outcome])
