/**
 * How much a quick and a full run do.
 *
 * @since 0.1.0
 */

/**
 * @since 0.1.0
 */
export interface Settings {
  readonly mode: "quick" | "full"
  /** Measured rounds per side and scenario; the median is reported. */
  readonly rounds: number
  /** Slaves of the local cluster (the scaling case uses up to this many). */
  readonly clusterSlaves: number
  /** Documents in the warm read collection. */
  readonly documents: number
  readonly reads: Workload
  readonly writes: Workload
  readonly failing: {
    readonly concurrency: number
    /** Reads per round of the library under a fault (the onset round, then each steady round). */
    readonly reads: number
    /** Reads per round of the healthy baseline, on each side. */
    readonly healthyReads: number
    /** Reads of the naive raw client while a slave is bad: each read of the bad slave waits the full timeout. */
    readonly rawReadsUnderFault: number
  }
  readonly allSlavesDown: {
    /** Slaves, each behind a fault proxy: every one of them is blackholed. */
    readonly slaves: number
    readonly concurrency: number
    /** Reads per round once every slave is known to be down, on each side. */
    readonly reads: number
    /** Reads started right as the slaves begin to hang (the onset). */
    readonly onsetReads: number
  }
  readonly masterBlackholed: {
    readonly concurrency: number
    /** Operations per round on the blackholed master: each waits out its budget. */
    readonly ops: number
    readonly rounds: number
    /** Writes started right as the fault is lifted. */
    readonly recoveryOps: number
  }
  readonly scaling: Workload & { readonly slaveCounts: ReadonlyArray<number> }
  readonly routing: { readonly ops: number; readonly warmupOps: number }
  /** The overhead case: operations per round, in one fiber, and rounds per side. */
  readonly overhead: { readonly ops: number; readonly warmupOps: number; readonly rounds: number }
  readonly consistency: Workload & {
    /** How long an idle connection's heartbeat is watched, in seconds. */
    readonly idleSeconds: number
  }
}

/**
 * Operations per round at each concurrency.
 *
 * @since 0.1.0
 */
export interface Workload {
  readonly concurrencies: ReadonlyArray<number>
  readonly ops: (concurrency: number) => number
  readonly warmupOps: (concurrency: number) => number
}

/**
 * The full run, for BENCHMARKS.md.
 *
 * @since 0.1.0
 */
export const full: Settings = {
  mode: "full",
  rounds: 5,
  clusterSlaves: 4,
  documents: 1_000,
  reads: {
    concurrencies: [1, 16, 64],
    ops: (c) => (c === 1 ? 2_000 : 6_000),
    warmupOps: (c) => (c === 1 ? 1_000 : 3_000)
  },
  writes: {
    concurrencies: [1, 16, 64],
    ops: (c) => (c === 1 ? 1_000 : 3_000),
    warmupOps: (c) => (c === 1 ? 500 : 1_500)
  },
  failing: { concurrency: 16, reads: 1_000, healthyReads: 1_000, rawReadsUnderFault: 400 },
  allSlavesDown: { slaves: 3, concurrency: 16, reads: 1_000, onsetReads: 64 },
  masterBlackholed: { concurrency: 4, ops: 12, rounds: 3, recoveryOps: 400 },
  scaling: {
    concurrencies: [64],
    slaveCounts: [1, 2, 4],
    ops: () => 6_000,
    warmupOps: () => 3_000
  },
  routing: { ops: 30_000, warmupOps: 10_000 },
  overhead: { ops: 100_000, warmupOps: 30_000, rounds: 7 },
  consistency: {
    concurrencies: [1, 16],
    ops: (c) => (c === 1 ? 1_000 : 3_000),
    warmupOps: (c) => (c === 1 ? 300 : 1_000),
    idleSeconds: 10
  }
}

/**
 * The quick run: the same cases, fewer operations and rounds.
 *
 * @since 0.1.0
 */
export const quick: Settings = {
  mode: "quick",
  rounds: 3,
  clusterSlaves: 4,
  documents: 1_000,
  reads: {
    concurrencies: [1, 16, 64],
    ops: (c) => (c === 1 ? 300 : 800),
    warmupOps: (c) => (c === 1 ? 150 : 300)
  },
  writes: {
    concurrencies: [1, 16, 64],
    ops: (c) => (c === 1 ? 200 : 600),
    warmupOps: (c) => (c === 1 ? 100 : 300)
  },
  failing: { concurrency: 16, reads: 1_000, healthyReads: 400, rawReadsUnderFault: 48 },
  allSlavesDown: { slaves: 3, concurrency: 16, reads: 400, onsetReads: 64 },
  masterBlackholed: { concurrency: 4, ops: 8, rounds: 2, recoveryOps: 100 },
  scaling: {
    concurrencies: [64],
    slaveCounts: [1, 2, 4],
    ops: () => 600,
    warmupOps: () => 300
  },
  routing: { ops: 2_000, warmupOps: 1_500 },
  overhead: { ops: 20_000, warmupOps: 10_000, rounds: 5 },
  consistency: {
    concurrencies: [1, 16],
    ops: (c) => (c === 1 ? 200 : 600),
    warmupOps: (c) => (c === 1 ? 100 : 300),
    idleSeconds: 3
  }
}
