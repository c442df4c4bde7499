/**
 * Every number of a chaos run in one place: the library's settings and the
 * time budgets its operations are held to, the oracle's windows, the
 * workload's mix and the faults' ranges.
 *
 * @since 0.2.0
 */

/**
 * The library's settings for the run, passed to its layers as they are.
 *
 * @since 0.2.0
 */
export interface LibrarySettings {
  /** `Slaves.layer({ attemptTimeout })`: one read's wait for one slave (the library's default). */
  readonly attemptTimeoutMillis: number
  /** `Slaves.layer({ healthCheckInterval })` (the library's default). */
  readonly healthCheckIntervalMillis: number
  /** `Master.layer({ connectTimeout })`: connecting, and selecting the master for each operation (default). */
  readonly connectTimeoutMillis: number
  /** `MasterSlaveConnection.layer({ heartbeat: { interval } })`: how often staleness is measured. */
  readonly heartbeatIntervalMillis: number
  /** `MasterSlaveConnection.layer({ causalWait })` (the library's default). */
  readonly causalWaitMillis: number
  /** The `maxStaleness` of the workload's bounded reads. */
  readonly boundedReadMaxStalenessMillis: number
}

/**
 * How long each operation may take: the library's own budgets, passed to it
 * as they are — `readTimeout` (one read, all its attempts and waits; the
 * default 5 s) and `operationTimeout` (every master operation; the default
 * 10 s) — plus one later batch of a cursor (one attempt).
 *
 * @since 0.2.0
 */
export interface Budgets {
  /** A read, from its start to its answer or its error, wherever it is served. */
  readonly readTimeoutMillis: number
  /** A write or command on the master. */
  readonly operationTimeoutMillis: number
  /** One later batch of a cursor, on the node it lives on: one attempt. */
  readonly getMoreMillis: number
  /** What timers may run late on a loaded 2-core machine before an overrun counts. */
  readonly slackMillis: number
}

/**
 * The oracle: raw driver clients straight on every node (not through the
 * fault proxies), probing each node, and a clock marker written on the master
 * and read back from each slave to measure its lag independently of the
 * library.
 *
 * @since 0.2.0
 */
export interface OracleSettings {
  /** How often each node is probed. */
  readonly probeIntervalMillis: number
  /** A probe not answered within this has failed. */
  readonly probeTimeoutMillis: number
  /** A node is alive for this long after a probe it answered (unless a later probe fails). */
  readonly aliveWindowMillis: number
  /** How often each node is probed through its proxy (the library's path). */
  readonly pathProbeIntervalMillis: number
  /** A probe through a proxy not answered within this has failed: one attempt's time, so a slow slave passes. */
  readonly pathProbeTimeoutMillis: number
  /** The path through a proxy is good for this long after a probe that got through. */
  readonly pathWindowMillis: number
  /** How often the clock marker is written on the master. */
  readonly markerIntervalMillis: number
  /** A slave is fresh when the marker it shows is at most this old. */
  readonly freshMillis: number
  /**
   * After a fault is lifted, the node counts as unavailable for this much
   * longer: the time the library is given to find out it is back (its
   * health check interval). The raw counts, without it, are reported too.
   */
  readonly graceMillis: number
  /** A slave the library keeps marked down this long while the oracle has it up is a stuck client. */
  readonly stuckMillis: number
}

/**
 * The workload: fibers of each kind, and the mix of operations.
 *
 * @since 0.2.0
 */
export interface WorkloadSettings {
  readonly writers: number
  readonly readers: number
  readonly requesters: number
  readonly causals: number
  /** A random pause up to this between two operations of a fiber. */
  readonly pauseMillis: number
  /** A writer's mix. */
  readonly writeMix: {
    readonly insert: number
    readonly update: number
    readonly inc: number
    readonly sharedInc: number
  }
  /** A reader's mix. */
  readonly readMix: {
    readonly findOne: number
    readonly count: number
    readonly stream: number
    readonly bounded: number
  }
  /**
   * The most documents a count counts. The collection grows all run long and
   * FerretDB counts by scanning it: unlimited, a count's cost grows with the
   * run until it outlives the read budget on a loaded machine (after ~8
   * minutes here) — the workload's doing, not a fault's. Limited, it stays flat.
   */
  readonly countLimit: number
  /** Documents a stream reads, and per batch (so it has later batches). */
  readonly streamLimit: number
  readonly streamBatchSize: number
  /** In the final phase, a read every this often (each in its own fiber), per kind. */
  readonly finalReadEveryMillis: number
  /** How long the workload's fibers get to finish their last operation before they are interrupted. */
  readonly drainMillis: number
}

/**
 * The faults the injector draws from, with their durations.
 *
 * @since 0.2.0
 */
export interface FaultSettings {
  /** Time between two faults start to start, [min, max). */
  readonly gapMillis: readonly [number, number]
  /** How likely each fault is, relative to the others. */
  readonly weights: Readonly<Record<FaultKind, number>>
  /** How long each fault lasts, [min, max). */
  readonly durations: Readonly<Record<FaultKind, readonly [number, number]>>
  /** The added reply latency of a slow slave, [min, max). */
  readonly latencyMillis: readonly [number, number]
  /** A slave's replication delay, [min, max). */
  readonly replicationDelayMillis: readonly [number, number]
  /** Slaves kept free of any fault at every moment of the main phase. */
  readonly cleanSlaves: number
  /** Quiet time around a master fault: no other master fault within it. */
  readonly masterGapMillis: number
}

/**
 * The faults: on a slave, stopped (its processes down), blackholed (its
 * proxy swallows everything), slow (its proxy delays every reply), delayed
 * replication, paused replication; on the master, blackholed or reset (its
 * proxy resets every connection and refuses new ones).
 *
 * @since 0.2.0
 */
export type FaultKind =
  | "slave-stop"
  | "slave-blackhole"
  | "slave-slow"
  | "slave-delay"
  | "slave-pause"
  | "master-blackhole"
  | "master-reset"

/**
 * Every fault kind, in the order reports list them.
 *
 * @since 0.2.0
 */
export const faultKinds: ReadonlyArray<FaultKind> = [
  "slave-stop",
  "slave-blackhole",
  "slave-slow",
  "slave-delay",
  "slave-pause",
  "master-blackhole",
  "master-reset"
]

/**
 * The phases of a run, in milliseconds.
 *
 * @since 0.2.0
 */
export interface PhaseSettings {
  /** The whole workload, final phase included. */
  readonly durationMillis: number
  /** Workload alone before the first fault. */
  readonly warmupMillis: number
  /** Every main-phase fault is lifted this long before the main phase ends. */
  readonly cooldownMillis: number
  /** The final phase, with every slave down (half blackholed, half stopped); 0 for none. */
  readonly finalMillis: number
  /** How long `waitForReplication` may take at the end. */
  readonly replicationTimeoutMillis: number
}

/**
 * @since 0.2.0
 */
export interface ChaosConfig {
  readonly slaves: number
  readonly library: LibrarySettings
  readonly budgets: Budgets
  readonly oracle: OracleSettings
  readonly workload: WorkloadSettings
  readonly faults: FaultSettings
  readonly phases: PhaseSettings
}

/**
 * The settings of a run, for `slaves` slaves.
 *
 * @since 0.2.0
 */
export const make = (options: {
  readonly slaves: number
  readonly finalPhase: boolean
  readonly durationSeconds: number
}): ChaosConfig => {
  const library: LibrarySettings = {
    attemptTimeoutMillis: 2_000,
    healthCheckIntervalMillis: 1_000,
    connectTimeoutMillis: 10_000,
    heartbeatIntervalMillis: 250,
    causalWaitMillis: 500,
    boundedReadMaxStalenessMillis: 2_000
  }
  return {
    slaves: options.slaves,
    library,
    budgets: {
      readTimeoutMillis: 5_000,
      operationTimeoutMillis: 10_000,
      getMoreMillis: library.attemptTimeoutMillis,
      slackMillis: 250
    },
    oracle: {
      probeIntervalMillis: 75,
      probeTimeoutMillis: 250,
      aliveWindowMillis: 200,
      pathProbeIntervalMillis: 100,
      pathProbeTimeoutMillis: library.attemptTimeoutMillis,
      pathWindowMillis: 1_000,
      markerIntervalMillis: 100,
      freshMillis: 750,
      graceMillis: library.healthCheckIntervalMillis,
      stuckMillis: 5_000
    },
    workload: {
      writers: 2,
      readers: 3,
      requesters: 1,
      causals: 1,
      pauseMillis: 10,
      writeMix: { insert: 6, update: 2, inc: 1, sharedInc: 1 },
      readMix: { findOne: 4, count: 1, stream: 2, bounded: 2 },
      countLimit: 1_000,
      streamLimit: 20,
      streamBatchSize: 5,
      finalReadEveryMillis: 250,
      drainMillis: 60_000
    },
    faults: {
      gapMillis: [1_000, 4_000],
      weights: {
        "slave-stop": 3,
        "slave-blackhole": 3,
        "slave-slow": 2,
        "slave-delay": 2,
        "slave-pause": 2,
        "master-blackhole": 1,
        "master-reset": 1
      },
      durations: {
        "slave-stop": [2_000, 8_000],
        "slave-blackhole": [1_000, 8_000],
        "slave-slow": [2_000, 8_000],
        "slave-delay": [3_000, 10_000],
        "slave-pause": [2_000, 8_000],
        "master-blackhole": [1_000, 12_000],
        "master-reset": [100, 1_000]
      },
      latencyMillis: [50, 800],
      replicationDelayMillis: [1_000, 6_000],
      cleanSlaves: 1,
      masterGapMillis: 5_000
    },
    phases: {
      durationMillis: options.durationSeconds * 1000,
      warmupMillis: 3_000,
      cooldownMillis: 3_000,
      // half blackholed (reads must give up on every slave), half stopped (refused at once)
      finalMillis: options.finalPhase ? Math.min(16_000, Math.round(options.durationSeconds * 250)) : 0,
      replicationTimeoutMillis: 60_000
    }
  }
}
