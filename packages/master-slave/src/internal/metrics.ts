import * as Metric from "effect/Metric"
import * as MetricLabel from "effect/MetricLabel"
import * as Metrics from "../Metrics.js"
import type { Node } from "../Node.js"

/** The metrics of one node, tagged once so that recording them costs no allocation. */
export interface NodeMetrics {
  readonly operations: Metric.Metric.Counter<number>
  readonly failovers: Metric.Metric.Counter<number>
  readonly errors: Metric.Metric.Counter<number>
  readonly latency: typeof Metrics.latency
}

export const forNode = (node: Node): NodeMetrics => {
  const labels = [MetricLabel.make("node", Metrics.nodeTag(node)), MetricLabel.make("role", node.role)]
  const tag = <Type, In, Out>(metric: Metric.Metric<Type, In, Out>) => Metric.taggedWithLabels(metric, labels)
  return {
    operations: tag(Metrics.operations),
    failovers: tag(Metrics.failovers),
    errors: tag(Metrics.errors),
    latency: tag(Metrics.latency)
  }
}
