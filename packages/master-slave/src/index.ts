/**
 * @since 0.1.0
 */

/**
 * The typed errors of mongo-master-slave.
 *
 * @since 0.1.0
 */
export * as Errors from "./Errors.js"

/**
 * MongoDB's naming rules for databases and collections.
 *
 * @since 0.1.0
 */
export * as Name from "./Name.js"
