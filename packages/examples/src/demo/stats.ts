/**
 * What each node served, read from the library's own metrics.
 *
 * @since 0.1.0
 */
import { Metrics } from "@mongo-master-slave/core"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"

/**
 * Operations answered per node (`master`, `slave-0`, ...) since the process
 * started: operations sent minus those that failed.
 *
 * @since 0.1.0
 */
export type Served = ReadonlyMap<string, number>

/**
 * The operations counter of every node, now.
 *
 * @since 0.1.0
 */
export const served: Effect.Effect<Served> = Effect.map(Metric.snapshot, (pairs) => {
  const counts = new Map<string, number>()
  for (const pair of pairs) {
    const sign =
      pair.metricKey.name === Metrics.names.operations ? 1 : pair.metricKey.name === Metrics.names.errors ? -1 : 0
    const node = pair.metricKey.tags.find((tag) => tag.key === "node")?.value
    if (sign === 0 || node === undefined) continue
    counts.set(node, (counts.get(node) ?? 0) + sign * ((pair.metricState as { readonly count?: number }).count ?? 0))
  }
  return counts
})

/**
 * How many operations each node served between two readings.
 *
 * @since 0.1.0
 */
export const between = (before: Served, after: Served, node: string): number =>
  (after.get(node) ?? 0) - (before.get(node) ?? 0)
