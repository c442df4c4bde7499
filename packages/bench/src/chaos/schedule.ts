/**
 * The fault schedule: which fault hits which node when, and for how long,
 * drawn from the run's seed alone — the same seed, duration and slave count
 * always give the same schedule. Pure.
 *
 * Rules of the main phase:
 * - no fault before the warm-up ends; every fault lifted `cooldown` before
 *   the main phase ends;
 * - one fault at a time per node;
 * - at every moment at least `cleanSlaves` slaves have no fault at all (so
 *   one slave is always up, answering and fresh);
 * - master faults are `masterGap` apart.
 *
 * @since 0.2.0
 */
import type { FaultKind, FaultSettings } from "./config.js"
import * as Prng from "./prng.js"

/**
 * Where a fault hits: `-1` the master, `0..n-1` a slave.
 *
 * @since 0.2.0
 */
export type Target = number

/**
 * One planned fault, times in milliseconds from the start of the run.
 *
 * @since 0.2.0
 */
export interface PlannedFault {
  /** Its number in the schedule, from 1. */
  readonly id: number
  readonly kind: FaultKind
  readonly target: Target
  readonly at: number
  readonly duration: number
  /** The latency of `slave-slow`, the delay of `slave-delay`; 0 otherwise. */
  readonly amount: number
}

/**
 * What the schedule is made for.
 *
 * @since 0.2.0
 */
export interface ScheduleInput {
  readonly seed: number
  readonly slaves: number
  /** The first fault starts at or after this. */
  readonly startMillis: number
  /** Every fault is lifted by this. */
  readonly endMillis: number
  readonly faults: FaultSettings
}

const isMasterFault = (kind: FaultKind) => kind.startsWith("master-")

const overlaps = (fault: PlannedFault, from: number, to: number) => fault.at < to && from < fault.at + fault.duration

const round = (millis: number) => Math.round(millis)

/**
 * The schedule for a run.
 *
 * @since 0.2.0
 */
export const generate = (input: ScheduleInput): ReadonlyArray<PlannedFault> => {
  const { faults: settings, slaves } = input
  const random = Prng.make(Prng.derive(input.seed, "schedule"))
  const planned: Array<PlannedFault> = []
  const maxBusySlaves = slaves - Math.min(settings.cleanSlaves, slaves)
  let at = input.startMillis
  while (true) {
    at = round(at + random.between(settings.gapMillis[0], settings.gapMillis[1]))
    if (at >= input.endMillis) break
    const kind = random.weighted(settings.weights)
    const [minDuration, maxDuration] = settings.durations[kind]
    // a fault too long for the time left is shortened, never below its minimum
    const duration = round(Math.min(random.between(minDuration, maxDuration), input.endMillis - at))
    const amount =
      kind === "slave-slow"
        ? round(random.between(settings.latencyMillis[0], settings.latencyMillis[1]))
        : kind === "slave-delay"
          ? round(random.between(settings.replicationDelayMillis[0], settings.replicationDelayMillis[1]))
          : 0
    // drawn whatever happens next, so one skipped fault does not shift the rest of the schedule
    const choice = random.next()
    if (duration < minDuration) continue
    const end = at + duration
    if (isMasterFault(kind)) {
      const clash = planned.some(
        (f) => f.target === -1 && overlaps(f, at - settings.masterGapMillis, end + settings.masterGapMillis)
      )
      if (clash) continue
      planned.push({ id: planned.length + 1, kind, target: -1, at, duration, amount })
      continue
    }
    const busy = new Set(planned.filter((f) => f.target >= 0 && overlaps(f, at, end)).map((f) => f.target))
    if (busy.size >= maxBusySlaves) continue
    const free = Array.from({ length: slaves }, (_, i) => i).filter((i) => !busy.has(i))
    const target = free[Math.floor(choice * free.length)]!
    planned.push({ id: planned.length + 1, kind, target, at, duration, amount })
  }
  return planned
}

/**
 * The most slaves under a fault at one moment of a schedule, and the fewest
 * left free of any.
 *
 * @since 0.2.0
 */
export const busiest = (schedule: ReadonlyArray<PlannedFault>, slaves: number): number => {
  let most = 0
  for (const fault of schedule) {
    if (fault.target < 0) continue
    // the busiest moments start with some fault
    const busy = new Set(
      schedule.filter((f) => f.target >= 0 && f.at <= fault.at && fault.at < f.at + f.duration).map((f) => f.target)
    )
    most = Math.max(most, busy.size)
  }
  return Math.min(most, slaves)
}

/**
 * A line that names a fault, e.g. `slave 1 slow (+350 ms)`.
 *
 * @since 0.2.0
 */
export const describe = (fault: Pick<PlannedFault, "kind" | "target" | "amount">): string => {
  const node = fault.target === -1 ? "master" : `slave ${fault.target}`
  switch (fault.kind) {
    case "slave-stop":
      return `${node} stopped`
    case "slave-blackhole":
    case "master-blackhole":
      return `${node} blackholed`
    case "slave-slow":
      return `${node} slow (+${fault.amount} ms per reply)`
    case "slave-delay":
      return `${node} replication delayed ${fault.amount} ms`
    case "slave-pause":
      return `${node} replication paused`
    case "master-reset":
      return `${node} reset (connections reset and refused)`
  }
}
