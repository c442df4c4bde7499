/**
 * Staleness from the replication positions MongoDB replica-set members report
 * in `hello` (`lastWrite.opTime.ts`), beside the heartbeat document: if the
 * master reported position `p` to a `hello` sent at `t` (this process's
 * clock, taken before sending), every write it acknowledged before `t` is at
 * or before `p`, so a slave that reports a position at or past `p` has them
 * all — the same bound as a heartbeat sent at `t`, without a write. FerretDB
 * and other stand-ins report no `lastWrite`: then this source stays off.
 * Pure: the probes feed it.
 */

/** One look at the master: when the `hello` was sent, and the position it reported. */
export interface MasterSample {
  readonly sentAt: number
  readonly position: bigint
}

/** The replication position a `hello` reply reports, if it reports one. */
export const positionOf = (hello: unknown): bigint | undefined => {
  const ts = (hello as { lastWrite?: { opTime?: { ts?: unknown } } } | null | undefined)?.lastWrite?.opTime?.ts
  if (ts === null || ts === undefined) return undefined
  if (typeof ts === "bigint") return ts
  // a BSON Timestamp (a Long underneath): its value as one 64-bit number
  const value = (ts as { toBigInt?: () => bigint }).toBigInt?.()
  if (typeof value === "bigint") return value
  const { high, low } = ts as { high?: unknown; low?: unknown }
  if (typeof high === "number" && typeof low === "number") {
    return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0)
  }
  return undefined
}

/**
 * The send time of the latest master sample a slave at `position` has
 * reached — what the slave is known to show, as a heartbeat would say it —
 * or `-Infinity` when it has reached none. `samples` are in the order taken.
 */
export const shownAt = (samples: ReadonlyArray<MasterSample>, position: bigint): number => {
  let shown = Number.NEGATIVE_INFINITY
  for (const sample of samples) {
    if (sample.position <= position && sample.sentAt > shown) shown = sample.sentAt
  }
  return shown
}

/** Keeps the newest `size` samples. */
export const keep = (samples: Array<MasterSample>, sample: MasterSample, size = 64): void => {
  samples.push(sample)
  if (samples.length > size) samples.splice(0, samples.length - size)
}
