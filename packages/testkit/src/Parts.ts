/**
 * The parts a local cluster is built from, and where they are looked for.
 *
 * @since 0.1.0
 */

/**
 * The PostgreSQL major version the local cluster runs.
 *
 * @since 0.1.0
 * @category constants
 */
export const postgresMajor = 15

/**
 * The FerretDB release that fronts each PostgreSQL node.
 *
 * @since 0.1.0
 * @category constants
 */
export const ferretdbVersion = "v1.24.2"
