/**
 * Intervals of time, and what the oracle's probes and the injector's log say
 * about each node over time. Every time is in milliseconds on one clock
 * (`performance.now()` of the run's process). Pure.
 *
 * @since 0.2.0
 */

/**
 * A half-open interval of time, `[from, to)`.
 *
 * @since 0.2.0
 */
export interface Interval {
  readonly from: number
  readonly to: number
}

/**
 * One probe of one node by the oracle.
 *
 * @since 0.2.0
 */
export interface Probe {
  /** `-1` the master, `0..n-1` a slave. */
  readonly node: number
  readonly start: number
  readonly end: number
  readonly ok: boolean
  /**
   * On a slave: the send time of the newest clock marker it showed (on the
   * same clock); the slave had every write the master acknowledged before it.
   */
  readonly marker?: number | undefined
  /** `"proxy"` for a probe through the node's fault proxy; absent for one straight on the node. */
  readonly via?: "proxy" | undefined
}

/**
 * Sorts and merges intervals that overlap or touch.
 *
 * @since 0.2.0
 */
export const merge = (intervals: ReadonlyArray<Interval>): ReadonlyArray<Interval> => {
  const sorted = intervals.filter((i) => i.to > i.from).sort((a, b) => a.from - b.from)
  const out: Array<Interval> = []
  for (const interval of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && interval.from <= last.to) {
      out[out.length - 1] = { from: last.from, to: Math.max(last.to, interval.to) }
    } else {
      out.push(interval)
    }
  }
  return out
}

/**
 * `a` without `b` (both merged or not).
 *
 * @since 0.2.0
 */
export const subtract = (a: ReadonlyArray<Interval>, b: ReadonlyArray<Interval>): ReadonlyArray<Interval> => {
  const holes = merge(b)
  const out: Array<Interval> = []
  for (const interval of merge(a)) {
    let from = interval.from
    for (const hole of holes) {
      if (hole.to <= from || hole.from >= interval.to) continue
      if (hole.from > from) out.push({ from, to: hole.from })
      from = Math.max(from, hole.to)
      if (from >= interval.to) break
    }
    if (from < interval.to) out.push({ from, to: interval.to })
  }
  return out
}

/**
 * Where both `a` and `b` hold.
 *
 * @since 0.2.0
 */
export const intersect = (a: ReadonlyArray<Interval>, b: ReadonlyArray<Interval>): ReadonlyArray<Interval> => {
  const left = merge(a)
  const right = merge(b)
  const out: Array<Interval> = []
  let i = 0
  let j = 0
  while (i < left.length && j < right.length) {
    const from = Math.max(left[i]!.from, right[j]!.from)
    const to = Math.min(left[i]!.to, right[j]!.to)
    if (from < to) out.push({ from, to })
    if (left[i]!.to < right[j]!.to) i++
    else j++
  }
  return out
}

/**
 * Whether one of the (merged) intervals holds all of `[from, to]`.
 *
 * @since 0.2.0
 */
export const covers = (intervals: ReadonlyArray<Interval>, from: number, to: number): boolean =>
  intervals.some((i) => i.from <= from && to <= i.to)

/**
 * Whether one of the intervals holds the moment `at`.
 *
 * @since 0.2.0
 */
export const contains = (intervals: ReadonlyArray<Interval>, at: number): boolean =>
  intervals.some((i) => i.from <= at && at < i.to)

/**
 * Where a node was good by its probes: from the start of every probe that
 * passed `good` until `window` after it answered, cut short by the start of
 * the next probe that did not (a failed probe takes back what the earlier
 * ones said from the moment it was sent). `probes` are one node's, in the
 * order they were sent (one at a time).
 *
 * @since 0.2.0
 */
export const goodIntervals = (
  probes: ReadonlyArray<Probe>,
  window: number,
  good: (probe: Probe) => boolean = (probe) => probe.ok
): ReadonlyArray<Interval> => {
  const out: Array<Interval> = []
  for (const probe of probes) {
    if (good(probe)) {
      out.push({ from: probe.start, to: probe.end + window })
      continue
    }
    for (let i = out.length - 1; i >= 0 && out[i]!.to > probe.start; i--) {
      out[i] = { from: out[i]!.from, to: Math.max(out[i]!.from, probe.start) }
    }
  }
  return merge(out)
}

/**
 * A slave's probes judged for freshness: answered, and showing a clock
 * marker at most `freshMillis` old when it answered.
 *
 * @since 0.2.0
 */
export const isFresh =
  (freshMillis: number) =>
  (probe: Probe): boolean =>
    probe.ok && probe.marker !== undefined && probe.end - probe.marker <= freshMillis
