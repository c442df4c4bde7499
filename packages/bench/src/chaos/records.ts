/**
 * What a chaos run records as it goes: every operation of the workload,
 * every fault as it was really injected and lifted, and the library's view
 * of its slaves over time. Times are milliseconds on the run's one clock
 * (`performance.now()`).
 *
 * @since 0.2.0
 */
import type { FaultKind } from "./config.js"
import type { PlannedFault } from "./schedule.js"

/**
 * The operations of the workload.
 *
 * - writes, on the master: `insert`, `update` (`$set` of a document's
 *   version), `inc` (a fiber's own counter), `inc.shared` (one counter every
 *   writer increments);
 * - eventual reads from the slaves: `findOne`, `count`, `stream.open` (a
 *   cursor's first batch), `stream.getMore` (each later batch, on the node
 *   the cursor lives on);
 * - `findOne.bounded`: a read with a `maxStaleness`;
 * - `request.write`/`request.read`: a write then a read in `inRequest`;
 * - `causal.write`/`causal.read`: a write then a read in a causal scope;
 * - the final phase: `findOne.allDown` (every slave down, no fallback) and
 *   `findOne.fallback` (a connection with `fallbackToMaster`).
 *
 * @since 0.2.0
 */
export type OpKind =
  | "insert"
  | "update"
  | "inc"
  | "inc.shared"
  | "findOne"
  | "count"
  | "stream.open"
  | "stream.getMore"
  | "findOne.bounded"
  | "request.write"
  | "request.read"
  | "causal.write"
  | "causal.read"
  | "findOne.allDown"
  | "findOne.fallback"

/**
 * Every operation kind, in the order reports list them.
 *
 * @since 0.2.0
 */
export const opKinds: ReadonlyArray<OpKind> = [
  "insert",
  "update",
  "inc",
  "inc.shared",
  "findOne",
  "count",
  "stream.open",
  "stream.getMore",
  "findOne.bounded",
  "request.write",
  "request.read",
  "causal.write",
  "causal.read",
  "findOne.allDown",
  "findOne.fallback"
]

/**
 * How operations of a kind are judged.
 *
 * @since 0.2.0
 */
export type OpClass = "write" | "slave-read" | "bounded-read" | "pinned-read" | "master-read" | "all-down-read"

/**
 * @since 0.2.0
 */
export const classOf = (kind: OpKind): OpClass => {
  switch (kind) {
    case "insert":
    case "update":
    case "inc":
    case "inc.shared":
    case "request.write":
    case "causal.write":
      return "write"
    case "findOne":
    case "count":
    case "stream.open":
      return "slave-read"
    case "findOne.bounded":
      return "bounded-read"
    case "stream.getMore":
      return "pinned-read"
    case "request.read":
    case "causal.read":
    case "findOne.fallback":
      return "master-read"
    case "findOne.allDown":
      return "all-down-read"
  }
}

/**
 * A write a read must see: the document, the version it must show at least,
 * and when the write was acknowledged.
 *
 * @since 0.2.0
 */
export interface Expectation {
  readonly id: string
  readonly version: number
  readonly ackedAt: number
}

/**
 * One operation, as it happened.
 *
 * @since 0.2.0
 */
export interface OpRecord {
  readonly kind: OpKind
  readonly fiber: string
  readonly start: number
  readonly end: number
  readonly ok: boolean
  /** The error's tag and first line, when it failed with an error. */
  readonly error?: { readonly tag: string; readonly message: string } | undefined
  /** Set when it died (a defect), failed with something untyped, or was interrupted. */
  readonly defect?: string | undefined
  /** The node that served it, when known (`-1` the master): a cursor's node. */
  readonly node?: number | undefined
  /** A read that must see a write: which. */
  readonly expect?: Expectation | undefined
  /** What such a read saw: the version found, or `undefined` for nothing. */
  readonly seenVersion?: number | undefined
  /** Set when the answer cannot be right whatever the timing (a document that does not match the query, ...). */
  readonly wrong?: string | undefined
}

/**
 * A fault as the injector really ran it.
 *
 * @since 0.2.0
 */
export interface FaultRecord extends PlannedFault {
  readonly phase: "main" | "final"
  /** When the injection started, and when it was done. */
  readonly injectedAt: number
  readonly injectedDone: number
  /** When lifting it started, and when it was done; `undefined` if it never was. */
  readonly liftedAt: number | undefined
  readonly liftedDone: number | undefined
  /** Why injecting or lifting it failed. */
  readonly error?: string | undefined
}

/**
 * The faults that make a node unreachable (rather than slow or stale).
 *
 * @since 0.2.0
 */
export const blocking: ReadonlySet<FaultKind> = new Set<FaultKind>([
  "slave-stop",
  "slave-blackhole",
  "master-blackhole",
  "master-reset"
])

/**
 * The library's view of its slaves at one moment (`slaveStatus`): which it
 * had marked down, and each one's staleness bound in milliseconds
 * (`undefined` while unknown).
 *
 * @since 0.2.0
 */
export interface StatusSample {
  readonly at: number
  readonly down: ReadonlyArray<boolean>
  readonly staleness?: ReadonlyArray<number | undefined> | undefined
}

/**
 * The phases of a run, as they happened.
 *
 * @since 0.2.0
 */
export interface Phases {
  readonly start: number
  readonly mainEnd: number
  /**
   * The final phase: every slave down from `allDown` to `liftAt` —
   * blackholed, then stopped from `stopped` on; absent without one.
   */
  readonly final?:
    | {
        readonly start: number
        readonly allDown: number
        readonly stopped: number
        readonly liftAt: number
        readonly end: number
      }
    | undefined
  /** When the workload was told to stop. */
  readonly workloadEnd: number
}

/**
 * A moment the event loop ran late: a timer due at `at` fired `millis` late
 * (this process was busy or starved of CPU). Every timer of the run, the
 * library's included, was late as much.
 *
 * @since 0.2.0
 */
export interface Stall {
  readonly at: number
  readonly millis: number
}
