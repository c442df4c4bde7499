/**
 * The demo program: a tour of mongo-master-slave on a real cluster.
 *
 * @since 0.1.0
 */
console.log("The demo is not yet available.")
