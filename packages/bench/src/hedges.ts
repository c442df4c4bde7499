/**
 * Counting the hedges the library starts: its `Metrics.hedges` counter
 * (`msc_hedges_total`, one per node it hedged onto), read from Effect's
 * metric registry before and after a run.
 *
 * The registry is the process's: every connection's hedges add to it. A
 * case counts a run's hedges while no other connection with hedging on is
 * reading.
 *
 * @since 0.2.0
 */
import { Metrics } from "@mongo-master-slave/core"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import type * as MetricPair from "effect/MetricPair"
import * as MetricState from "effect/MetricState"
import type { Runner } from "./workload.js"

/**
 * The hedges in a metrics snapshot: `msc_hedges_total` added up over its
 * tags (every node, every connection).
 *
 * @since 0.2.0
 */
export const hedgesIn = (pairs: Iterable<MetricPair.MetricPair.Untyped>): number => {
  let total = 0
  for (const pair of pairs) {
    if (pair.metricKey.name === Metrics.names.hedges && MetricState.isCounterState(pair.metricState)) {
      total += Number(pair.metricState.count)
    }
  }
  return total
}

/**
 * The hedges the process has started so far.
 *
 * @since 0.2.0
 */
export const hedgesSoFar: Effect.Effect<number> = Effect.map(Metric.snapshot, hedgesIn)

/**
 * A runner whose samples carry the hedges started during each run.
 *
 * @since 0.2.0
 */
export const counting =
  (runner: Runner): Runner =>
  (plan) =>
    Effect.flatMap(hedgesSoFar, (before) =>
      Effect.flatMap(runner(plan), (sample) =>
        Effect.map(hedgesSoFar, (after) => ({ ...sample, hedges: after - before }))
      )
    )
