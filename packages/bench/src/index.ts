/**
 * The benchmark harness: the library against the raw driver, side by side.
 *
 * @since 0.1.0
 */
console.log("The benchmarks are not yet available.")
