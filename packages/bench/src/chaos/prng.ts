/**
 * A small seeded pseudo-random generator (mulberry32): the same seed gives
 * the same sequence on every machine, so a chaos run's fault schedule and
 * workload choices can be reproduced from the seed it prints.
 *
 * @since 0.2.0
 */

/**
 * A stream of pseudo-random numbers. Mutable: each call moves it on.
 *
 * @since 0.2.0
 */
export interface Prng {
  /** A number in [0, 1). */
  readonly next: () => number
  /** A number in [min, max). */
  readonly between: (min: number, max: number) => number
  /** An integer in [min, max]. */
  readonly int: (min: number, max: number) => number
  /** One of the items (which must not be empty). */
  readonly pick: <A>(items: ReadonlyArray<A>) => A
  /** One of the keys, each with the chance its weight gives it among all (weights ≥ 0, not all 0). */
  readonly weighted: <K extends string>(weights: Readonly<Record<K, number>>) => K
  /** Whether an event of probability `p` happens. */
  readonly chance: (p: number) => boolean
}

/**
 * A generator from a seed (any integer; only its low 32 bits count).
 *
 * @since 0.2.0
 */
export const make = (seed: number): Prng => {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const between = (min: number, max: number) => min + next() * (max - min)
  const int = (min: number, max: number) => Math.floor(between(min, max + 1))
  return {
    next,
    between,
    int,
    pick: (items) => items[Math.floor(next() * items.length)]!,
    weighted: (weights) => {
      const entries = Object.entries(weights) as Array<[never, number]>
      const total = entries.reduce((sum, [, w]) => sum + w, 0)
      let r = next() * total
      for (const [key, w] of entries) {
        if (r < w) return key
        r -= w
      }
      return entries[entries.length - 1]![0]
    },
    chance: (p) => next() < p
  }
}

/**
 * A seed derived from another and a label, for independent streams (one per
 * workload fiber, one for the schedule) that all follow from the run's seed.
 *
 * @since 0.2.0
 */
export const derive = (seed: number, label: string): number => {
  // FNV-1a over the label, mixed with the seed
  let h = 0x811c9dc5 ^ (seed >>> 0)
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}
