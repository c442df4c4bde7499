/**
 * The pure part of routing a read that must be fresh enough: which slaves of
 * the attempt order may serve it, which are passed over as too stale, and
 * whether waiting for one to catch up can help. No I/O, no clock: property
 * tests drive it with fake statuses.
 */

/** The attempt order split by freshness, each part in attempt order. */
export interface FreshnessSplit {
  /** Slaves that have shown a heartbeat sent at or after the required position. */
  readonly fresh: ReadonlyArray<number>
  /** Slaves that have not (or whose staleness is unknown). */
  readonly stale: ReadonlyArray<number>
}

/**
 * Splits `order` by what each slave has shown: `seen[id]` is the send time of
 * the newest heartbeat seen on slave `id` (`-Infinity` while unknown). A
 * slave can serve a read that requires `position` when `seen[id] >=
 * position`; with no requirement (`position` is `-Infinity`) every slave can.
 */
export const splitByFreshness = (
  order: ReadonlyArray<number>,
  seen: ReadonlyArray<number>,
  position: number
): FreshnessSplit => {
  if (position === Number.NEGATIVE_INFINITY) return { fresh: order, stale: [] }
  const fresh: Array<number> = []
  const stale: Array<number> = []
  for (const id of order) {
    const shown = seen[id]
    if (shown !== undefined && shown !== Number.NEGATIVE_INFINITY && shown >= position) fresh.push(id)
    else stale.push(id)
  }
  return { fresh, stale }
}

/**
 * The position a read requires: the causal scope's (`-Infinity` outside one)
 * and, under a staleness bound, the moment `maxStalenessMillis` before the
 * read started — whichever is later.
 */
export const requiredPosition = (
  causalPosition: number,
  startedAt: number,
  maxStalenessMillis: number | undefined
): number =>
  maxStalenessMillis === undefined || maxStalenessMillis === Number.POSITIVE_INFINITY
    ? causalPosition
    : Math.max(causalPosition, startedAt - maxStalenessMillis)

/**
 * Whether some slave that is up may show `position` by `deadline`, judging
 * by how far behind each was when last probed (`lag[id]`, `Infinity` while
 * unknown): worth waiting for, rather than going to the master at once.
 */
export const mayCatchUp = (
  slaves: ReadonlyArray<number>,
  down: (id: number) => boolean,
  lag: ReadonlyArray<number>,
  position: number,
  deadline: number
): boolean => {
  for (const id of slaves) {
    const behind = lag[id]
    if (!down(id) && behind !== undefined && position + behind <= deadline) return true
  }
  return false
}
