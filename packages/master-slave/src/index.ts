/**
 * @since 0.1.0
 */

/**
 * A collection: writes on the master, reads on the slaves.
 *
 * @since 0.1.0
 */
export * as Collection from "./Collection.js"

/**
 * How fresh reads must be: eventual, bounded staleness, causal, request.
 *
 * @since 0.2.0
 */
export * as Consistency from "./Consistency.js"

/**
 * Cursors pinned to the node that opened them.
 *
 * @since 0.1.0
 */
export * as Cursor from "./Cursor.js"

/**
 * A database: collections, commands, its own write concern.
 *
 * @since 0.1.0
 */
export * as Database from "./Database.js"

/**
 * Document schemas and `tzAware` dates.
 *
 * @since 0.1.0
 */
export * as Document from "./Document.js"

/**
 * The typed errors of mongo-master-slave.
 *
 * @since 0.1.0
 */
export * as Errors from "./Errors.js"

/**
 * The master: the one writable node.
 *
 * @since 0.1.0
 */
export * as Master from "./Master.js"

/**
 * The master/slave connection.
 *
 * @since 0.1.0
 */
export * as MasterSlaveConnection from "./MasterSlaveConnection.js"

/**
 * Per-node metrics: operations, failovers, errors, latency.
 *
 * @since 0.1.0
 */
export * as Metrics from "./Metrics.js"

/**
 * MongoDB's naming rules for databases and collections.
 *
 * @since 0.1.0
 */
export * as Name from "./Name.js"

/**
 * A node: one endpoint with its own client.
 *
 * @since 0.1.0
 */
export * as Node from "./Node.js"

/**
 * The order reads try the slaves in.
 *
 * @since 0.1.0
 */
export * as ReadStrategy from "./ReadStrategy.js"

/**
 * Requests: read-your-writes on the master.
 *
 * @since 0.1.0
 */
export * as Request from "./Request.js"

/**
 * The slaves: read-only nodes.
 *
 * @since 0.1.0
 */
export * as Slaves from "./Slaves.js"

/**
 * Write concern: safe and the getlasterror options, in a Ref.
 *
 * @since 0.1.0
 */
export * as WriteConcern from "./WriteConcern.js"
