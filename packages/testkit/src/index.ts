/**
 * @since 0.1.0
 */

/**
 * The parts a local cluster is built from.
 *
 * @since 0.1.0
 */
export * as Parts from "./Parts.js"
