/**
 * The checks of a chaos run, over what it recorded: pure functions of the
 * operations, the oracle's probes, the faults as injected and the data found
 * at the end, so each can be tried on a made-up timeline.
 *
 * @since 0.2.0
 */
import type { Budgets, ChaosConfig, OracleSettings } from "./config.js"
import {
  blocking,
  classOf,
  type FaultRecord,
  type OpKind,
  type OpRecord,
  type Phases,
  type Stall,
  type StatusSample
} from "./records.js"
import {
  contains,
  covers,
  goodIntervals,
  type Interval,
  intersect,
  isFresh,
  merge,
  type Probe,
  subtract
} from "./timeline.js"

/**
 * Who a check speaks about: the library (a failure is the library's), the
 * harness (a failure means the run cannot be trusted), or the stand-in
 * (FerretDB's own behaviour, shown but not counted against the library).
 *
 * @since 0.2.0
 */
export type Subject = "library" | "harness" | "stand-in"

/**
 * One line of the checks table.
 *
 * @since 0.2.0
 */
export interface Check {
  readonly id: string
  readonly title: string
  readonly subject: Subject
  /** How many violations. */
  readonly count: number
  /** Whether this check fails the run. */
  readonly fails: boolean
  /** A related figure, e.g. the raw count without the grace period. */
  readonly detail: string
  /** The violations, described (the first thousand). */
  readonly examples: ReadonlyArray<string>
}

const maxExamples = 1_000

/**
 * A check from its violations.
 *
 * @since 0.2.0
 */
export const check = (options: {
  readonly id: string
  readonly title: string
  readonly subject?: Subject
  readonly violations: ReadonlyArray<string>
  readonly detail?: string
  /** Count without failing the run (the stand-in's behaviour). */
  readonly informational?: boolean
}): Check => ({
  id: options.id,
  title: options.title,
  subject: options.subject ?? "library",
  count: options.violations.length,
  fails: options.violations.length > 0 && options.informational !== true,
  detail: options.detail ?? "",
  examples: options.violations.slice(0, maxExamples)
})

const seconds = (millis: number) => `${(millis / 1000).toFixed(3)} s`

/**
 * An operation, described for an example line.
 *
 * @since 0.2.0
 */
export const describeOp = (op: OpRecord, origin: number): string => {
  const outcome = op.ok
    ? "ok"
    : op.error !== undefined
      ? `${op.error.tag}: ${op.error.message}`
      : (op.defect ?? "failed")
  const node = op.node === undefined ? "" : ` on ${op.node === -1 ? "the master" : `slave ${op.node}`}`
  return `${op.kind} by ${op.fiber} at +${seconds(op.start - origin)} took ${Math.round(op.end - op.start)} ms${node} → ${outcome}`
}

// -- availability -------------------------------------------------------------

/**
 * When each node could serve, by the oracle and the injector's log.
 *
 * @since 0.2.0
 */
export interface Availability {
  /**
   * Alive by the oracle's probes straight on the slave, reachable through its
   * proxy by the oracle's own client, under no fault that blocks it, and not
   * within the grace period after one.
   */
  readonly slaves: ReadonlyArray<ReadonlyArray<Interval>>
  /** Alive by the probes straight on it and under no fault, no grace: the most a count can claim. */
  readonly slavesRaw: ReadonlyArray<ReadonlyArray<Interval>>
  /** Available (with grace), and showing the oracle's clock marker at most `freshMillis` old. */
  readonly freshSlaves: ReadonlyArray<ReadonlyArray<Interval>>
  readonly master: ReadonlyArray<Interval>
  readonly masterRaw: ReadonlyArray<Interval>
  /**
   * Per node (`-1` the master first, then the slaves): alive straight on it
   * and under no fault (with grace), yet the oracle's client could not get
   * through its proxy — the proxy's fault (or the driver's), not the library's.
   */
  readonly pathBroken: ReadonlyArray<{ readonly node: number; readonly intervals: ReadonlyArray<Interval> }>
}

/**
 * The times a node was under a fault that blocks it, from the start of the
 * injection to the end of the lift, plus `grace`; to `end` if never lifted.
 *
 * @since 0.2.0
 */
export const faultHoles = (
  faults: ReadonlyArray<FaultRecord>,
  node: number,
  grace: number,
  end: number
): ReadonlyArray<Interval> =>
  merge(
    faults
      .filter((f) => f.target === node && blocking.has(f.kind))
      .map((f) => ({ from: f.injectedAt, to: f.liftedDone === undefined ? end : f.liftedDone + grace }))
  )

/**
 * Availability of every node over the run.
 *
 * @since 0.2.0
 */
export const availability = (
  probes: ReadonlyArray<Probe>,
  faults: ReadonlyArray<FaultRecord>,
  oracle: OracleSettings,
  slaves: number,
  end: number
): Availability => {
  const direct = (node: number) => probes.filter((p) => p.node === node && p.via === undefined)
  const proxied = probes.filter((p) => p.via === "proxy")
  // without probes through the proxies (older records), the path is taken as good
  const path = (node: number) => {
    const of = proxied.filter((p) => p.node === node)
    return proxied.length === 0 ? [{ from: -Infinity, to: Infinity }] : goodIntervals(of, oracle.pathWindowMillis)
  }
  const alive = (node: number) => goodIntervals(direct(node), oracle.aliveWindowMillis)
  const holes = (node: number) => faultHoles(faults, node, oracle.graceMillis, end)
  const rawHoles = (node: number) => faultHoles(faults, node, 0, end)
  const up = (node: number) => subtract(alive(node), holes(node))
  const served = (node: number) => intersect(up(node), path(node))
  const ids = Array.from({ length: slaves }, (_, i) => i)
  return {
    slaves: ids.map(served),
    slavesRaw: ids.map((i) => subtract(alive(i), rawHoles(i))),
    freshSlaves: ids.map((i) =>
      intersect(
        subtract(goodIntervals(direct(i), oracle.aliveWindowMillis, isFresh(oracle.freshMillis)), holes(i)),
        path(i)
      )
    ),
    master: served(-1),
    masterRaw: subtract(alive(-1), rawHoles(-1)),
    pathBroken: [-1, ...ids].map((node) => ({ node, intervals: subtract(up(node), path(node)) }))
  }
}

/**
 * Times a node answered straight and was under no fault, yet the oracle's
 * own client could not get through its proxy for `minMillis` or more: the
 * proxy (or the driver) failed on its own. Such times are not held against
 * the library; the run reports them as a harness failure.
 *
 * @since 0.2.0
 */
export const pathCheck = (available: Availability, minMillis: number, origin: number): Check => {
  const violations: Array<string> = []
  for (const { node, intervals } of available.pathBroken) {
    for (const gap of intervals) {
      if (gap.to - gap.from < minMillis) continue
      violations.push(
        `${node === -1 ? "the master" : `slave ${node}`} answered straight but not through its proxy from ` +
          `+${seconds(gap.from - origin)} to +${seconds(gap.to - origin)} (${Math.round(gap.to - gap.from)} ms), under no fault`
      )
    }
  }
  return check({
    id: "proxy-path",
    title: "a proxy did not pass the oracle's probes while its node was up (harness)",
    subject: "harness",
    violations,
    detail: `gaps of ${minMillis} ms or more; the library is not held to those times`
  })
}

// -- operations ---------------------------------------------------------------

/**
 * The budget an operation of a kind is held to, in milliseconds.
 *
 * @since 0.2.0
 */
export const budgetOf = (kind: OpKind, budgets: Budgets): number => {
  switch (classOf(kind)) {
    case "write":
      return budgets.operationTimeoutMillis
    case "pinned-read":
      return budgets.getMoreMillis
    default:
      return budgets.readTimeoutMillis
  }
}

/**
 * Whether a read failed because every slave it tried ran out of the attempt
 * timeout, rather than refusing or dropping the connection: for a slave the
 * oracle had up, a slow answer or a client stuck in the library.
 *
 * @since 0.2.0
 */
export const everyAttemptTimedOut = (op: OpRecord): boolean => {
  if (op.error?.tag !== "AllSlavesUnavailable") return false
  const tried = op.error.message.match(/ is unavailable: /g)?.length ?? 0
  const timedOut = op.error.message.match(/no answer within the attempt timeout/g)?.length ?? 0
  return tried > 0 && timedOut === tried
}

const byKind = (ops: ReadonlyArray<OpRecord>): string => {
  const counts = new Map<string, number>()
  for (const op of ops) counts.set(op.kind, (counts.get(op.kind) ?? 0) + 1)
  return counts.size === 0 ? "none" : [...counts].map(([kind, n]) => `${kind} ${n}`).join(", ")
}

/**
 * The library's view of its slaves (`slaveStatus`) at the last sample
 * before `at`, for a line a person reads: `slave 0 down, slave 1 up 0.3 s
 * behind, ...`.
 *
 * @since 0.2.0
 */
export const libraryView = (samples: ReadonlyArray<StatusSample>, at: number): string | undefined => {
  let lo = 0
  let hi = samples.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (samples[mid]!.at <= at) lo = mid + 1
    else hi = mid
  }
  const sample = samples[lo - 1]
  if (sample === undefined) return undefined
  return sample.down
    .map((down, i) => {
      const staleness = sample.staleness?.[i]
      const behind = staleness === undefined ? "staleness unknown" : `${(staleness / 1000).toFixed(1)} s behind at most`
      return `slave ${i} ${down ? "down" : "up"}, ${behind}`
    })
    .join("; ")
}

/**
 * The checks of every operation against availability: failed reads and
 * writes while a node that could serve them was up.
 *
 * @since 0.2.0
 */
export const availabilityChecks = (
  ops: ReadonlyArray<OpRecord>,
  available: Availability,
  config: ChaosConfig,
  origin: number,
  samples: ReadonlyArray<StatusSample> = []
): ReadonlyArray<Check> => {
  const failed = ops.filter((op) => !op.ok)
  const anySlave = (sets: ReadonlyArray<ReadonlyArray<Interval>>, op: OpRecord) =>
    sets.some((intervals) => covers(intervals, op.start, op.end))
  const describe = (op: OpRecord) => describeOp(op, origin)

  const slaveReads = failed.filter((op) => classOf(op.kind) === "slave-read")
  const slaveReadViolations = slaveReads.filter((op) => anySlave(available.slaves, op))
  const slaveReadRaw = slaveReads.filter((op) => available.slavesRaw.some((s) => contains(s, op.start)))

  const maxStaleness = config.library.boundedReadMaxStalenessMillis
  const bounded = failed.filter((op) => classOf(op.kind) === "bounded-read")
  const boundedViolations = bounded.filter(
    (op) => anySlave(available.freshSlaves, op) && covers(available.master, op.start - maxStaleness, op.end)
  )

  const pinned = failed.filter((op) => classOf(op.kind) === "pinned-read")
  const pinnedViolations = pinned.filter(
    (op) => op.node !== undefined && op.node >= 0 && covers(available.slaves[op.node] ?? [], op.start, op.end)
  )

  const masterReads = failed.filter((op) => classOf(op.kind) === "master-read")
  const masterReadViolations = masterReads.filter((op) => covers(available.master, op.start, op.end))

  const writes = failed.filter((op) => classOf(op.kind) === "write")
  const writeViolations = writes.filter((op) => covers(available.master, op.start, op.end))
  const writeRaw = writes.filter((op) => contains(available.masterRaw, op.start))

  const grace = `${config.oracle.graceMillis} ms`
  const slow = slaveReadViolations.filter(everyAttemptTimedOut).length
  const withView = (op: OpRecord) => {
    const view = libraryView(samples, op.start)
    return view === undefined ? describe(op) : `${describe(op)} [the library's view then: ${view}]`
  }
  return [
    check({
      id: "reads-failed-slave-alive",
      title: "reads failed while a slave was alive",
      violations: slaveReadViolations.map(withView),
      detail:
        `${slaveReads.length} eventual reads failed; raw: ${slaveReadRaw.length} started while a slave answered ` +
        `the oracle and was under no fault (no grace); counted: some slave alive and unfaulted for the whole read, ` +
        `${grace} grace after a fault; of those counted, ${slow} ran out of the attempt timeout on every slave ` +
        `tried (a slow answer or a stuck client: the oracle's own clients got answers); by kind: ${byKind(slaveReadViolations)}`
    }),
    check({
      id: "bounded-reads-failed",
      title: "bounded reads failed while a fresh slave was alive",
      violations: boundedViolations.map(withView),
      detail:
        `${bounded.length} bounded reads (maxStaleness ${maxStaleness} ms) failed; counted: a slave alive and ` +
        `at most ${config.oracle.freshMillis} ms behind (oracle) for the whole read, and the master up since ` +
        `${maxStaleness} ms before it`
    }),
    check({
      id: "cursor-batches-failed",
      title: "cursor batches failed while their node was alive",
      violations: pinnedViolations.map(describe),
      detail: `${pinned.length} later batches failed; counted: the cursor's slave alive and unfaulted throughout`
    }),
    check({
      id: "master-reads-failed",
      title: "request/causal/fallback reads failed while the master was up",
      violations: masterReadViolations.map(describe),
      detail: `${masterReads.length} failed in all`
    }),
    check({
      id: "writes-failed",
      title: "writes failed while the master was up",
      violations: writeViolations.map(describe),
      detail: `${writes.length} writes failed; raw: ${writeRaw.length} started while the master was up (no grace)`
    })
  ]
}

/**
 * Reads that must see a write and did not: read-your-writes in requests and
 * causal scopes, and bounded reads of a write acknowledged more than
 * `maxStaleness` before they started.
 *
 * @since 0.2.0
 */
export const consistencyChecks = (
  ops: ReadonlyArray<OpRecord>,
  config: ChaosConfig,
  origin: number
): ReadonlyArray<Check> => {
  const missed = (op: OpRecord) =>
    op.ok && op.expect !== undefined && (op.seenVersion === undefined || op.seenVersion < op.expect.version)
  const describe = (op: OpRecord) =>
    `${describeOp(op, origin)}: expected ${op.expect!.id} at version ≥ ${op.expect!.version} (acknowledged at ` +
    `+${seconds(op.expect!.ackedAt - origin)}), saw ${op.seenVersion === undefined ? "nothing" : `version ${op.seenVersion}`}`
  const ryw = ops.filter((op) => (op.kind === "request.read" || op.kind === "causal.read") && missed(op))
  const maxStaleness = config.library.boundedReadMaxStalenessMillis
  const boundedDue = ops.filter(
    (op) =>
      op.kind === "findOne.bounded" && op.ok && op.expect !== undefined && op.expect.ackedAt < op.start - maxStaleness
  )
  const bounded = boundedDue.filter(missed)
  const wrong = ops.filter((op) => op.wrong !== undefined)
  const requests = ops.filter((op) => op.kind === "request.read" && op.ok && op.expect !== undefined).length
  const causal = ops.filter((op) => op.kind === "causal.read" && op.ok && op.expect !== undefined).length
  return [
    check({
      id: "read-your-writes",
      title: "read-your-writes violations (requests, causal scopes)",
      violations: ryw.map(describe),
      detail: `${requests} request reads and ${causal} causal reads of their own acknowledged write`
    }),
    check({
      id: "bounded-staleness",
      title: "bounded reads that missed a write older than maxStaleness",
      violations: bounded.map(describe),
      detail: `${boundedDue.length} bounded reads looked for a write acknowledged more than ${maxStaleness} ms before`
    }),
    check({
      id: "wrong-answers",
      title: "answers that cannot be right (wrong document, duplicate, count too high)",
      violations: wrong.map((op) => `${describeOp(op, origin)}: ${op.wrong}`)
    })
  ]
}

/**
 * How long the event loop stalled within `[from, to]`, in milliseconds.
 *
 * @since 0.2.0
 */
export const stalledDuring = (stalls: ReadonlyArray<Stall>, from: number, to: number): number =>
  stalls.reduce((sum, s) => (s.at + s.millis > from && s.at < to ? sum + s.millis : sum), 0)

/**
 * Every operation against its budget, with the worst overrun.
 *
 * @since 0.2.0
 */
export const budgetCheck = (
  ops: ReadonlyArray<OpRecord>,
  budgets: Budgets,
  origin: number,
  stalls: ReadonlyArray<Stall> = []
): Check => {
  let worst: { op: OpRecord; over: number } | undefined
  const late: Array<OpRecord> = []
  for (const op of ops) {
    const over = op.end - op.start - budgetOf(op.kind, budgets)
    if (worst === undefined || over > worst.over) worst = { op, over }
    if (over > budgets.slackMillis) late.push(op)
  }
  const worstLine =
    worst === undefined
      ? "no operation"
      : `worst: ${worst.op.kind} took ${Math.round(worst.op.end - worst.op.start)} ms against ` +
        `${budgetOf(worst.op.kind, budgets)} ms (${worst.over > 0 ? "+" : ""}${Math.round(worst.over)} ms)`
  // the slowest first: they say most
  const sorted = [...late].sort((a, b) => b.end - b.start - (a.end - a.start))
  return check({
    id: "budget",
    title: "operations past their budget",
    violations: sorted.map((op) => {
      const stalled = stalledDuring(stalls, op.start, op.end)
      const note = stalled >= 50 ? `; the event loop stalled ${Math.round(stalled)} ms meanwhile` : ""
      return `${describeOp(op, origin)} (budget ${budgetOf(op.kind, budgets)} ms${note})`
    }),
    detail:
      `budgets: reads ${budgets.readTimeoutMillis} ms, master operations ${budgets.operationTimeoutMillis} ms, ` +
      `cursor batches ${budgets.getMoreMillis} ms, + ${budgets.slackMillis} ms slack; ${worstLine}`
  })
}

/**
 * With every slave down and no fallback, reads must fail — with
 * `AllSlavesUnavailable`, nothing else.
 *
 * @since 0.2.0
 */
export const allDownCheck = (ops: ReadonlyArray<OpRecord>, phases: Phases, origin: number): Check | undefined => {
  const final = phases.final
  if (final === undefined) return undefined
  const judged = ops.filter(
    (op) => op.kind === "findOne.allDown" && op.start >= final.allDown && op.end <= final.liftAt
  )
  const wrong = judged.filter((op) => op.ok || op.error?.tag !== "AllSlavesUnavailable")
  const median = (of: ReadonlyArray<OpRecord>) => {
    const sorted = of.map((op) => op.end - op.start).sort((a, b) => a - b)
    return sorted.length === 0 ? "-" : `${Math.round(sorted[Math.floor((sorted.length - 1) / 2)]!)} ms`
  }
  const failedRight = judged.filter((op) => !op.ok && op.error?.tag === "AllSlavesUnavailable")
  const blackholed = failedRight.filter((op) => op.start < final.stopped)
  const stopped = failedRight.filter((op) => op.start >= final.stopped)
  return check({
    id: "all-down",
    title: "reads with every slave down that did not fail with AllSlavesUnavailable",
    violations: wrong.map((op) => describeOp(op, origin)),
    detail:
      `${judged.length} reads made while every slave was down (no fallback); median time to AllSlavesUnavailable: ` +
      `${median(blackholed)} with every slave blackholed (${blackholed.length} reads), ` +
      `${median(stopped)} with every slave stopped (${stopped.length} reads)`
  })
}

/**
 * Operations that died, failed with something untyped or had to be
 * interrupted, and what the process itself caught.
 *
 * @since 0.2.0
 */
export const defectCheck = (
  ops: ReadonlyArray<OpRecord>,
  process: {
    readonly unhandledRejections: ReadonlyArray<string>
    readonly uncaughtExceptions: ReadonlyArray<string>
    readonly loggedErrors: ReadonlyArray<string>
  },
  origin: number
): Check => {
  const died = ops.filter((op) => op.defect !== undefined)
  return check({
    id: "defects",
    title: "defects (die, untyped error, interrupted, unhandled rejection, uncaught exception)",
    violations: [
      ...died.map((op) => `${describeOp(op, origin)}: ${op.defect}`),
      ...process.unhandledRejections.map((m) => `unhandled rejection: ${m}`),
      ...process.uncaughtExceptions.map((m) => `uncaught exception: ${m}`),
      ...process.loggedErrors.map((m) => `logged at error level: ${m}`)
    ],
    detail:
      `${died.length} operations, ${process.unhandledRejections.length} unhandled rejections, ` +
      `${process.uncaughtExceptions.length} uncaught exceptions, ${process.loggedErrors.length} error logs`
  })
}

/**
 * A slave the library kept marked down for `stuckMillis` or more while the
 * oracle had it alive and under no fault: a client stuck after a fault.
 *
 * @since 0.2.0
 */
export const stuckCheck = (
  samples: ReadonlyArray<StatusSample>,
  available: Availability,
  oracle: OracleSettings,
  origin: number
): Check => {
  const violations: Array<string> = []
  let longest = 0
  const slaves = available.slaves.length
  for (let i = 0; i < slaves; i++) {
    let since: number | undefined
    let last = 0
    const close = () => {
      if (since === undefined) return
      const length = last - since
      longest = Math.max(longest, length)
      if (length >= oracle.stuckMillis) {
        violations.push(
          `slave ${i} marked down by the library from +${seconds(since - origin)} to +${seconds(last - origin)} ` +
            `(${Math.round(length)} ms) while the oracle had it up`
        )
      }
      since = undefined
    }
    for (const sample of samples) {
      const stuck = sample.down[i] === true && contains(available.slaves[i]!, sample.at)
      if (stuck) {
        since ??= sample.at
        last = sample.at
      } else {
        close()
      }
    }
    close()
  }
  return check({
    id: "stuck-slaves",
    title: `slaves kept down by the library ≥ ${oracle.stuckMillis / 1000} s while alive`,
    violations,
    detail: `longest: ${Math.round(longest)} ms`
  })
}

/**
 * The oracle against the injector: a stopped slave must fail every probe
 * while stopped, and answer again within `within` of its start (unless it is
 * stopped again before). If not, the oracle cannot be trusted and neither can
 * the checks that lean on it.
 *
 * @since 0.2.0
 */
export const oracleCheck = (
  probes: ReadonlyArray<Probe>,
  faults: ReadonlyArray<FaultRecord>,
  oracle: OracleSettings,
  within: number,
  end: number,
  origin: number
): Check => {
  const violations: Array<string> = []
  for (const fault of faults) {
    if (fault.kind !== "slave-stop" || fault.error !== undefined) continue
    const node = probes.filter((p) => p.node === fault.target)
    const downFrom = fault.injectedDone + oracle.probeTimeoutMillis
    const downTo = fault.liftedAt ?? end
    const liars = node.filter((p) => p.ok && p.start >= downFrom && p.end <= downTo)
    if (liars.length > 0) {
      violations.push(
        `slave ${fault.target} answered the oracle at +${seconds(liars[0]!.end - origin)} while stopped (fault #${fault.id})`
      )
    }
    // judged only if the slave was left alone long enough to come back
    const nextStop = faults
      .filter((f) => f.target === fault.target && f.kind === "slave-stop" && f.injectedAt >= (fault.liftedDone ?? end))
      .reduce((soonest, f) => Math.min(soonest, f.injectedAt), end)
    if (fault.liftedDone !== undefined && fault.liftedDone + within < nextStop) {
      const back = node.some((p) => p.ok && p.start >= fault.liftedDone! && p.end <= fault.liftedDone! + within)
      if (!back) {
        violations.push(
          `slave ${fault.target} did not answer the oracle within ${within} ms of its start at ` +
            `+${seconds(fault.liftedDone - origin)} (fault #${fault.id})`
        )
      }
    }
  }
  return check({
    id: "oracle",
    title: "oracle disagreed with the injector (harness)",
    subject: "harness",
    violations,
    detail: `${faults.filter((f) => f.kind === "slave-stop").length} stops cross-checked`
  })
}

/**
 * Faults that could not be injected or lifted.
 *
 * @since 0.2.0
 */
export const injectorCheck = (faults: ReadonlyArray<FaultRecord>, origin: number): Check =>
  check({
    id: "injector",
    title: "faults that could not be injected or lifted (harness)",
    subject: "harness",
    violations: faults
      .filter((f) => f.error !== undefined || f.liftedDone === undefined)
      .map(
        (f) => `#${f.id} ${f.kind} on ${f.target} at +${seconds(f.injectedAt - origin)}: ${f.error ?? "never lifted"}`
      ),
    detail: `${faults.length} faults injected`
  })
