/**
 * Small statistics helpers: percentiles of latencies, medians of rounds.
 *
 * @since 0.1.0
 */

/**
 * The `q`-quantile (0..1) of values that are already sorted ascending, by the
 * nearest-rank method: the smallest value such that at least `q` of all values
 * are less or equal. `NaN` for no values.
 *
 * @since 0.1.0
 */
export const quantileSorted = (sorted: ArrayLike<number>, q: number): number => {
  const n = sorted.length
  if (n === 0) return Number.NaN
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)))
  return sorted[rank - 1]!
}

/**
 * The `q`-quantile of values in any order (sorts a copy).
 *
 * @since 0.1.0
 */
export const quantile = (values: ArrayLike<number>, q: number): number =>
  quantileSorted(Float64Array.from(values).sort(), q)

/**
 * The median of values in any order: the mean of the two middle values when
 * there is an even number of them. `NaN` for no values.
 *
 * @since 0.1.0
 */
export const median = (values: ReadonlyArray<number>): number => {
  const n = values.length
  if (n === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(n / 2)
  return n % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/**
 * The latency summary of one run of operations, in milliseconds.
 *
 * @since 0.1.0
 */
export interface LatencySummary {
  readonly count: number
  readonly p50: number
  readonly p90: number
  readonly p99: number
  readonly max: number
  readonly mean: number
}

/**
 * Summarises latencies (milliseconds).
 *
 * @since 0.1.0
 */
export const summarize = (latencies: ArrayLike<number>): LatencySummary => {
  const sorted = Float64Array.from(latencies).sort()
  let sum = 0
  for (const value of sorted) sum += value
  return {
    count: sorted.length,
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p99: quantileSorted(sorted, 0.99),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length
  }
}
