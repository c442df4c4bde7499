import * as MetricLabel from "effect/MetricLabel"
import * as Metrics from "../Metrics.js"
import type { Node } from "../Node.js"

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
  return {
    operation: (millis: number, failed: boolean) => {
      Metrics.operations.unsafeUpdate(1, labels)
      Metrics.latency.unsafeUpdate(millis, labels)
      if (failed) Metrics.errors.unsafeUpdate(1, labels)
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
