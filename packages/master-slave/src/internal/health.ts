import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { SlaveStatus } from "../ReadStrategy.js"
import { now } from "./consistency.js"

/**
 * How a slave failed, which decides what reads do with it next:
 *
 * - `down`: it refused, or the prober could not reach it — skipped by reads
 *   (circuit open) until the prober sees it answer;
 * - `slow`: an attempt ran out of time, or its connection broke mid-call —
 *   still tried, after the others, while the prober checks it at once.
 */
export type Trouble = "down" | "slow"

/**
 * What is known of each slave: whether it is down or slow, its recent
 * latency (average and 95th percentile), and how far behind the master it
 * can be — from the newest heartbeat of this connection seen on it. Reads,
 * the driver's events and the prober report to it; read strategies see it as
 * `SlaveStatus`.
 *
 * The state is plain mutable arrays: every update is a single synchronous
 * step on the JavaScript thread, and reads consult it on the hot path.
 */
export interface Health {
  /** Every slave's status as of now. */
  readonly statuses: Effect.Effect<ReadonlyArray<SlaveStatus>>
  /** The statuses for routing: rebuilt after a change, and at most every 100 ms for latency and staleness. */
  readonly unsafeStatuses: () => ReadonlyArray<SlaveStatus>
  readonly isDown: (connectionId: number) => boolean
  /** Why the slave is down or slow, and since when (`performance.now()`), for errors. */
  readonly trouble: (connectionId: number) => { readonly reason: string; readonly since: number } | undefined
  readonly succeeded: (connectionId: number, latencyMillis: number) => Effect.Effect<void>
  readonly failed: (connectionId: number) => Effect.Effect<void>
  /** For the router's bookkeeping and driver event listeners, outside any effect. */
  readonly unsafeSucceeded: (connectionId: number, latencyMillis: number) => void
  /**
   * Whether the slave has stalled: the first call started on it since its
   * last answer has waited 250 ms (or ten times its average latency, if
   * longer) and nothing has answered since.
   */
  readonly isStalled: (connectionId: number) => boolean
  /**
   * Whether the slave is suspect: like stalled, after a shorter wait —
   * one and a half times its 95th-percentile latency (at least 20 ms, at most
   * the stall threshold). Reads try a suspect slave after the others, and a
   * hedge away from it costs no budget. Before the slave has a percentile,
   * suspect is stalled.
   */
  readonly isSuspect: (connectionId: number) => boolean
  /** How long from now, in milliseconds, until the slave counts as suspect if it answers nothing meanwhile (at least 1). */
  readonly untilSuspect: (connectionId: number) => number
  /** Whether the slave has answered anything (a probe, another call) since `at` (`performance.now()`). */
  readonly answeredSince: (connectionId: number, at: number) => boolean
  /** A call of a read on the slave starts now (for the detection of a slave that stalls). */
  readonly unsafeCallStarted: (connectionId: number) => void
  /**
   * A call of a read on the slave ended, whatever the outcome; `unanswered`:
   * the slave gave it no answer, which it still owes until it answers anything.
   */
  readonly unsafeCallEnded: (connectionId: number, unanswered: boolean) => void
  /** The slave answered, whatever the answer (a server error is an answer too). */
  readonly unsafeAnswered: (connectionId: number) => void
  /** The slave answered (`up`), or is down for `reason`. */
  readonly unsafeMark: (connectionId: number, up: boolean, reason?: string) => void
  /**
   * The slave failed in a way that makes it `down` or `slow` (see {@link Trouble}).
   * Unless the failure rules out a restart (`mayHaveRestarted: false`: a call
   * merely slow to answer), what the slave showed of the heartbeat is forgotten.
   */
  readonly unsafeTrouble: (connectionId: number, trouble: Trouble, reason: string, mayHaveRestarted?: boolean) => void
  /**
   * The slave answered, though not through the client reads use: if it was
   * down, it is slow now (tried after the others) until that client answers.
   */
  readonly unsafeReachable: (connectionId: number, reason: string) => void
  /** Calls `listener` whenever a slave gets into trouble, so the prober can look at once. */
  readonly onTrouble: (listener: (connectionId: number) => void) => void
  /** The 95th percentile of the slave's recent latency, in milliseconds; `undefined` before enough samples. */
  readonly latencyP95: (connectionId: number) => number | undefined
  /**
   * The send time of the newest heartbeat seen on each slave (see
   * `consistency.now`); `-Infinity` while unknown. Everything the master
   * acknowledged before that moment is on the slave.
   */
  readonly seen: ReadonlyArray<number>
  /**
   * How far behind each slave was when last probed, in milliseconds (0 before
   * its first probe); `Infinity` when it showed no heartbeat.
   */
  readonly lag: ReadonlyArray<number>
  /**
   * A probe found the heartbeat sent at `seenAt` on the slave (`-Infinity`:
   * none), which is `lagMillis` behind (`Infinity`: unknown).
   */
  readonly unsafeObserved: (connectionId: number, seenAt: number, lagMillis: number) => void
  /** The slave's staleness bound at `at`, in milliseconds: `Infinity` while unknown. */
  readonly stalenessMillis: (connectionId: number, at: number) => number
}

// weight of the newest sample in the latency average
const smoothing = 0.2
// a slave with calls started since its last answer, and no answer for this
// long (or ten times its average latency, if longer), has stalled: new reads
// try it after the others, before any attempt has had to time out on it
const stallMillis = 250
// A slave answers its calls within its 95th-percentile latency nineteen times
// in twenty: one with a call waiting half as long again, and no answer to any
// call meanwhile, is suspect — a slave that has just begun to hang shows it
// long before it has stalled. With two calls or more waiting, a silence of
// one p95 is already as telling (each would have had to be in its slowest
// twentieth at once), and a slave hanging under load leaves the reads that
// keep arriving waiting on it: they move on that much sooner.
const suspectFactor = 1.5
const suspectFactorUnderLoad = 1
const suspectMinimumMillis = 20
// latency samples kept per slave for its percentile, and how often it is recomputed
const window = 128
const recomputeEvery = 16
const minimumSamples = 20

interface Samples {
  readonly values: Float64Array
  count: number
  p95: number | undefined
  /** `count` when `p95` was computed. */
  p95At: number
}

const p95Of = (samples: Samples): number => {
  const n = Math.min(samples.count, window)
  const sorted = samples.values.slice(0, n).sort()
  return sorted[Math.min(n - 1, Math.floor(0.95 * n))]!
}

export const make = (slaves: ReadonlyArray<{ readonly connectionId: number; readonly address: string }>): Health => {
  const down = slaves.map(() => false)
  const slow = slaves.map(() => false)
  const troubles: Array<{ reason: string; since: number } | undefined> = slaves.map(() => undefined)
  const latency: Array<number | undefined> = slaves.map(() => undefined)
  const samples: Array<Samples> = slaves.map(() => ({
    values: new Float64Array(window),
    count: 0,
    p95: undefined,
    p95At: 0
  }))
  const seen: Array<number> = slaves.map(() => Number.NEGATIVE_INFINITY)
  // until its first probe, a slave is presumed to keep up: a causal read right
  // after start-up may wait for that probe, rather than go to the master at once
  const lag: Array<number> = slaves.map(() => 0)
  const listeners: Array<(id: number) => void> = []
  // on the performance.now() clock: the latest answer; the calls of reads
  // under way, and since when there has been one (the oldest may be older)
  const lastAnswered: Array<number> = slaves.map(() => 0)
  const pending: Array<number> = slaves.map(() => 0)
  const busySince: Array<number> = slaves.map(() => 0)
  // a call ended unanswered since the latest answer: the silence goes on counting
  const owes: Array<boolean> = slaves.map(() => false)
  const waiting = (id: number) => pending[id] !== 0 || owes[id] === true
  // computed when asked, at most every few samples
  const latencyP95 = (id: number): number | undefined => {
    const own = samples[id]
    if (own === undefined || own.count < minimumSamples) return undefined
    if (own.p95 === undefined || own.count - own.p95At >= recomputeEvery) {
      own.p95 = p95Of(own)
      own.p95At = own.count
    }
    return own.p95
  }
  // how long a call may wait, unanswered, before its slave counts as stalled
  const stallThreshold = (id: number) => Math.max(stallMillis, 10 * (latency[id] ?? 0))
  const suspectThreshold = (id: number) => {
    const p95 = latencyP95(id)
    const stall = stallThreshold(id)
    if (p95 === undefined) return stall
    const factor = pending[id]! >= 2 ? suspectFactorUnderLoad : suspectFactor
    return Math.min(stall, Math.max(suspectMinimumMillis, factor * p95))
  }
  // silent since: its latest answer, or the start of the calls under way if later
  const silentSince = (id: number) => Math.max(lastAnswered[id]!, busySince[id]!)
  // The threshold is only computed for a slave that is waiting, and silent
  // longer than any threshold can be short (the suspect one's minimum): the
  // percentile may be recomputed, a sort of the window. Every read asks
  // whether a slave has just become suspect; under load a slave always has
  // calls waiting, rarely a silence as long.
  const waitedPast = (id: number, at: number, threshold: (id: number) => number) => {
    if (!waiting(id)) return false
    const silence = at - silentSince(id)
    return silence > suspectMinimumMillis && silence > threshold(id) && silence < 60_000
  }
  const stalled = (id: number, at: number) => waitedPast(id, at, stallThreshold)
  const suspect = (id: number, at: number) => waitedPast(id, at, suspectThreshold)
  // rounded up, and 2 ms more: a timer set for it fires on the event loop's
  // whole-millisecond clock, which may run up to a millisecond behind this one
  const untilPast = (id: number, threshold: number) =>
    !waiting(id)
      ? Math.ceil(threshold) + 2
      : Math.max(1, Math.ceil(silentSince(id) + threshold - performance.now()) + 2)
  const answered = (id: number, at: number) => {
    lastAnswered[id] = at
    owes[id] = false
  }
  const stalenessMillis = (id: number, at: number) => Math.max(0, at - seen[id]!)
  const build = (at: number) => {
    const monotonic = performance.now()
    return slaves.map(
      (slave, i): SlaveStatus => ({
        connectionId: slave.connectionId,
        address: slave.address,
        down: down[i]!,
        slow: slow[i]! || suspect(i, monotonic),
        latencyMillis: Option.fromNullable(latency[i]),
        stalenessMillis: seen[i] === Number.NEGATIVE_INFINITY ? Option.none() : Option.some(stalenessMillis(i, at))
      })
    )
  }
  // Every read asks for the statuses: they are rebuilt only after a change.
  // Latency and staleness change all the time, so they are refreshed at most every 100 ms.
  let cached: ReadonlyArray<SlaveStatus> | undefined
  let cachedAt = 0
  // a slave that has just become suspect is moved last at once, not up to 100 ms later
  const newlySuspect = (statuses: ReadonlyArray<SlaveStatus>, at: number) => {
    for (let i = 0; i < statuses.length; i++) {
      if (!statuses[i]!.slow && suspect(i, at)) return true
    }
    return false
  }
  const unsafeStatuses = () => {
    const at = performance.now()
    if (cached === undefined || at - cachedAt > 100 || newlySuspect(cached, at)) {
      cachedAt = at
      cached = build(now())
    }
    return cached
  }
  const forgetHeartbeat = (id: number) => {
    // A slave that failed may come back as an older copy (a standby
    // restarted from an earlier restart point): what it showed no longer holds.
    seen[id] = Number.NEGATIVE_INFINITY
    lag[id] = Number.POSITIVE_INFINITY
  }
  const unsafeSucceeded = (id: number, millis: number) => {
    answered(id, performance.now())
    if (down[id] || slow[id]) {
      down[id] = false
      slow[id] = false
      troubles[id] = undefined
      cached = undefined
    }
    const previous = latency[id]
    latency[id] = previous === undefined ? millis : previous * (1 - smoothing) + millis * smoothing
    const own = samples[id]!
    own.values[own.count % window] = millis
    own.count++
  }
  const unsafeTrouble = (id: number, trouble: Trouble, reason: string, mayHaveRestarted = true) => {
    // a restart may bring back an older copy, without the heartbeat it showed;
    // a call that is merely slow says nothing of the copy's contents
    if (mayHaveRestarted) forgetHeartbeat(id)
    if (trouble === "down") {
      if (!down[id]) troubles[id] = { reason, since: performance.now() }
      down[id] = true
      slow[id] = false
    } else if (!down[id]) {
      if (!slow[id]) troubles[id] = { reason, since: performance.now() }
      slow[id] = true
    }
    cached = undefined
    for (const listener of listeners) listener(id)
  }
  const unsafeMark = (id: number, up: boolean, reason = "the driver lost contact with it") => {
    if (!up) return unsafeTrouble(id, "down", reason)
    if (!down[id] && !slow[id]) return
    down[id] = false
    slow[id] = false
    troubles[id] = undefined
    cached = undefined
  }
  const unsafeReachable = (id: number, reason: string) => {
    if (!down[id]) return
    down[id] = false
    slow[id] = true
    troubles[id] = { reason, since: performance.now() }
    cached = undefined
  }
  const unsafeObserved = (id: number, seenAt: number, lagMillis: number) => {
    seen[id] = seenAt
    lag[id] = seenAt === Number.NEGATIVE_INFINITY ? Number.POSITIVE_INFINITY : Math.max(0, lagMillis)
  }
  return {
    statuses: Effect.sync(() => build(now())),
    isStalled: (id) => stalled(id, performance.now()),
    isSuspect: (id) => suspect(id, performance.now()),
    untilSuspect: (id) => untilPast(id, suspectThreshold(id)),
    answeredSince: (id, at) => lastAnswered[id]! > at,
    unsafeCallStarted: (id) => {
      if (pending[id]++ === 0 && !owes[id]) busySince[id] = performance.now()
    },
    unsafeCallEnded: (id, unanswered) => {
      if (pending[id]! > 0) pending[id]!--
      if (unanswered) owes[id] = true
    },
    unsafeAnswered: (id) => answered(id, performance.now()),
    unsafeStatuses,
    isDown: (id) => down[id] === true,
    trouble: (id) => troubles[id],
    succeeded: (id, millis) => Effect.sync(() => unsafeSucceeded(id, millis)),
    failed: (id) => Effect.sync(() => unsafeMark(id, false)),
    unsafeSucceeded,
    unsafeMark,
    unsafeTrouble,
    unsafeReachable,
    onTrouble: (listener) => {
      listeners.push(listener)
    },
    latencyP95,
    seen,
    lag,
    unsafeObserved,
    stalenessMillis
  }
}
