/**
 * @since 0.1.0
 */

/**
 * The `Cluster` service: a master, its slaves and the controls tests use.
 *
 * @since 0.1.0
 */
export * as Cluster from "./Cluster.js"

/**
 * The `Cluster` service over a deployment of your own (`MSC_MASTER_URI`/`MSC_SLAVE_URIS`).
 *
 * @since 0.1.0
 */
export * as ExternalCluster from "./ExternalCluster.js"

/**
 * A TCP proxy that injects latency, blackholes and resets in front of a node.
 *
 * @since 0.1.0
 */
export * as FaultProxy from "./FaultProxy.js"

/**
 * A local master/slave cluster: PostgreSQL streaming replication + FerretDB.
 *
 * @since 0.1.0
 */
export * as LocalCluster from "./LocalCluster.js"

/**
 * Running a program as the process's main fiber, stopped cleanly by Ctrl-C.
 *
 * @since 0.1.0
 */
export * as Main from "./Main.js"

/**
 * The parts a local cluster is built from, and their installation.
 *
 * @since 0.1.0
 */
export * as Parts from "./Parts.js"
