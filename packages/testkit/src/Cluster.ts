/**
 * The `Cluster` service: a master and its slaves, with the controls tests use
 * to make failures and lag happen on purpose.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"

/**
 * A cluster control failed: a process would not start or stop, a query to a
 * node failed, or an index named no slave.
 *
 * @since 0.1.0
 * @category errors
 */
export class ClusterError extends Data.TaggedError("ClusterError")<{
  readonly operation: string
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.operation}: ${this.reason}`
  }
}

/**
 * The control needs local processes, and the cluster is an external
 * deployment given by `MSC_MASTER_URI`/`MSC_SLAVE_URIS`.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotSupported extends Data.TaggedError("NotSupported")<{
  readonly operation: string
}> {
  override get message(): string {
    return `${this.operation} is not supported on an external cluster (MSC_MASTER_URI/MSC_SLAVE_URIS): it needs the local test cluster`
  }
}

/**
 * `waitForReplication` gave up: a slave had not caught up with the master in
 * time.
 *
 * @since 0.1.0
 * @category errors
 */
export class ReplicationTimeout extends Data.TaggedError("ReplicationTimeout")<{
  readonly slaves: ReadonlyArray<number>
  readonly timeout: string
}> {
  override get message(): string {
    return `slave(s) ${this.slaves.join(", ")} did not catch up with the master within ${this.timeout}`
  }
}

/**
 * Any failure of a cluster control.
 *
 * @since 0.1.0
 * @category errors
 */
export type ClusterFailure = ClusterError | NotSupported | ReplicationTimeout

/**
 * Options of {@link Cluster.waitForReplication}.
 *
 * @since 0.1.0
 * @category models
 */
export interface WaitOptions {
  /** How long to wait before failing with `ReplicationTimeout` (default 30 seconds). */
  readonly timeout?: Duration.DurationInput
}

/**
 * A master and its slaves. Every URI reaches one node with a direct
 * connection.
 *
 * @since 0.1.0
 * @category models
 */
export interface Cluster {
  readonly kind: "local" | "external"
  readonly masterUri: string
  readonly slaveUris: ReadonlyArray<string>
  /** The slave stops answering: its server and its database node go down. */
  readonly stopSlave: (index: number) => Effect.Effect<void, ClusterFailure>
  /** The slave comes back and catches up with what was written meanwhile. */
  readonly startSlave: (index: number) => Effect.Effect<void, ClusterFailure>
  /** The slave stops applying the master's changes (it keeps answering, with stale data). */
  readonly pauseReplication: (index: number) => Effect.Effect<void, ClusterFailure>
  /** The slave applies the master's changes again. */
  readonly resumeReplication: (index: number) => Effect.Effect<void, ClusterFailure>
  /**
   * The slave applies each of the master's transactions only once `delay` has
   * passed since the master committed it: a real, steady replication lag
   * (PostgreSQL's `recovery_min_apply_delay` on the local cluster). `0` turns
   * it off, at once. The delay stays with the slave across `stopSlave` and
   * `startSlave`. The delay must be a finite, non-negative duration
   * (whole milliseconds; fractions are rounded).
   *
   * @since 0.2.0
   */
  readonly setReplicationDelay: (index: number, delay: Duration.DurationInput) => Effect.Effect<void, ClusterFailure>
  /**
   * Waits until every running slave whose replication is neither paused nor
   * delayed (`setReplicationDelay`) has applied everything the master has
   * written so far, and serves it. A paused or delayed slave lags on
   * purpose, and is not waited for.
   */
  readonly waitForReplication: (options?: WaitOptions) => Effect.Effect<void, ClusterFailure>
}

/**
 * The cluster service.
 *
 * @since 0.1.0
 * @category tags
 */
export const Cluster: Context.Tag<Cluster, Cluster> = Context.GenericTag<Cluster>("@mongo-master-slave/testkit/Cluster")
