/**
 * The metrics every connection records, per node. The counters and the gauge
 * are tagged with `node` (`master`, `slave-0`, `slave-1`, ...) and `role`
 * (`master` or `slave`); the operation duration follows OpenTelemetry's
 * database conventions (see {@link latency}). Read them with
 * `Metric.snapshot` or export them with `@effect/opentelemetry`.
 *
 * @since 0.1.0
 */
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import type * as MetricKeyType from "effect/MetricKeyType"
import type * as MetricState from "effect/MetricState"
import type { Node } from "./Node.js"

/**
 * The names the metrics are registered under.
 *
 * @since 0.1.0
 * @category constants
 */
export const names = {
  operations: "msc_operations_total",
  failovers: "msc_failovers_total",
  errors: "msc_errors_total",
  latency: "db.client.operation.duration",
  staleSkips: "msc_stale_skips_total",
  staleness: "msc_slave_staleness_ms",
  heartbeats: "msc_heartbeats_total",
  causalReads: "msc_causal_reads_total",
  hedges: "msc_hedges_total"
} as const

/**
 * Operations served by a node, whatever their outcome.
 *
 * @since 0.1.0
 * @category metrics
 */
export const operations: Metric.Metric.Counter<number> = Metric.counter(names.operations, {
  description: "operations sent to a node"
})

/**
 * Reads that passed a slave over because it was unavailable, tagged with the
 * slave passed over.
 *
 * @since 0.1.0
 * @category metrics
 */
export const failovers: Metric.Metric.Counter<number> = Metric.counter(names.failovers, {
  description: "reads that moved on from an unavailable slave"
})

/**
 * Operations that failed on a node.
 *
 * @since 0.1.0
 * @category metrics
 */
export const errors: Metric.Metric.Counter<number> = Metric.counter(names.errors, {
  description: "operations that failed on a node"
})

/**
 * How long operations took, in seconds: OpenTelemetry's
 * `db.client.operation.duration`, with its attributes — `db.system.name`
 * (`mongodb`), `db.operation.name`, `db.namespace`, `db.collection.name`,
 * `server.address`, `server.port`, on failure `error.type` (the error's tag)
 * and `db.response.status_code` (the server's code) — and the node,
 * `msc.node` and `msc.node.role`.
 *
 * @since 0.1.0
 * @category metrics
 */
export const latency: Metric.Metric<MetricKeyType.MetricKeyType.Histogram, number, MetricState.MetricState.Histogram> =
  Metric.histogram(
    names.latency,
    // OpenTelemetry's advice for this histogram, with finer steps below 5 ms
    MetricBoundaries.fromIterable([0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
    "Duration of database client operations, in seconds"
  )

/**
 * Reads that passed a slave over because its staleness bound was over what
 * the read allowed (or unknown), tagged with the slave passed over.
 *
 * @since 0.2.0
 * @category metrics
 */
export const staleSkips: Metric.Metric.Counter<number> = Metric.counter(names.staleSkips, {
  description: "reads that passed a slave over as too stale"
})

/**
 * Each slave's staleness bound when it was last probed: how far behind the
 * master it can be, in milliseconds (`Infinity` while unknown).
 *
 * @since 0.2.0
 * @category metrics
 */
export const staleness: Metric.Metric.Gauge<number> = Metric.gauge(names.staleness, {
  description: "how far behind the master a slave can be, in milliseconds"
})

/**
 * Heartbeats written on the master, tagged with `outcome` (`ok` or `failed`).
 *
 * @since 0.2.0
 * @category metrics
 */
export const heartbeats: Metric.Metric.Counter<number> = Metric.counter(names.heartbeats, {
  description: "heartbeats written on the master to measure the slaves' staleness"
})

/**
 * Reads in causal scopes that had to show the scope's writes, tagged with
 * `outcome`: `slave` (a slave had them already), `waited` (one caught up
 * while the read waited), `master` (none did in time).
 *
 * @since 0.2.0
 * @category metrics
 */
export const causalReads: Metric.Metric.Counter<number> = Metric.counter(names.causalReads, {
  description: "causal reads, by how they were served"
})

/**
 * Hedged reads: an extra attempt started on a slave, tagged with that slave,
 * because the slave tried before it had not answered within the hedge delay.
 *
 * @since 0.2.0
 * @category metrics
 */
export const hedges: Metric.Metric.Counter<number> = Metric.counter(names.hedges, {
  description: "extra read attempts started because the slave tried first was slow"
})

/**
 * The tag value that names a node: `master`, `slave-0`, ...
 *
 * @since 0.1.0
 * @category utils
 */
export const nodeTag = (node: Node): string => (node.role === "master" ? "master" : `slave-${node.connectionId}`)
