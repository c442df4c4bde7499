/**
 * One chaos run from start to end: the cluster and its proxies, the stand-in
 * check, the oracle, the library's connections, the workload under the
 * injector's faults, the final phase, the data at the end, and the leaks
 * once every scope has closed.
 *
 * @since 0.2.0
 */
import * as Fs from "node:fs"
import type { LocalCluster } from "@mongo-master-slave/testkit"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as ScheduleEffect from "effect/Schedule"
import type { Progress } from "../cluster.js"
import { type BenchError, during } from "../errors.js"
import type { ChaosConfig } from "./config.js"
import type { Ledger as LedgerSnapshot, NodeData } from "./dataChecks.js"
import * as Injector from "./injector.js"
import * as Leaks from "./leaks.js"
import { Ledger } from "./ledger.js"
import * as Oracle from "./oracle.js"
import * as Quirks from "./quirks.js"
import type { FaultRecord, OpRecord, Phases, Stall, StatusSample } from "./records.js"
import * as Schedule from "./schedule.js"
import type { Probe } from "./timeline.js"
import * as Topology from "./topology.js"
import * as Verify from "./verify.js"
import * as Workload from "./workload.js"

/**
 * Everything the workload phase recorded.
 *
 * @since 0.2.0
 */
export interface Recorded {
  readonly origin: number
  readonly ops: ReadonlyArray<OpRecord>
  readonly probes: ReadonlyArray<Probe>
  readonly markers: { readonly acked: number; readonly failed: number }
  readonly faults: ReadonlyArray<FaultRecord>
  readonly samples: ReadonlyArray<StatusSample>
  /** When the event loop ran late during the workload (every lateness over 20 ms). */
  readonly stalls: ReadonlyArray<Stall>
  readonly phases: Phases
  readonly ledger: LedgerSnapshot
  readonly acknowledgedInserts: number
  readonly master: NodeData | { readonly unreadable: string }
  readonly slaves: ReadonlyArray<NodeData | { readonly unreadable: string }>
  /** Why the slaves could not be brought back in step at the end, if they could not. */
  readonly restoreError: string | undefined
}

/**
 * A finished run: what it recorded, the stand-in's findings, and the leaks.
 *
 * @since 0.2.0
 */
export interface Finished {
  readonly recorded: Recorded
  readonly quirks: Quirks.Findings
  readonly left: Leaks.Leftovers
}

const sleepUntil = (at: number) => Effect.suspend(() => Effect.sleep(Math.max(0, at - performance.now())))

const stamp = (origin: number) => `+${((performance.now() - origin) / 1000).toFixed(3)} s`

/**
 * The final phase: every slave blackholed for the first half (reads must give
 * up on each), stopped for the second (refused at once), then started again.
 */
const finalPhase = (
  targets: Injector.Targets,
  records: Array<Injector.Running>,
  config: ChaosConfig,
  firstId: number,
  setOn: (on: boolean) => void
) =>
  Effect.gen(function* () {
    const millis = config.phases.finalMillis
    const start = performance.now()
    let id = firstId
    const fault = (kind: "slave-blackhole" | "slave-stop", target: number, duration: number) => {
      const running = new Injector.Running(
        { id: id++, kind, target, at: Math.round(performance.now() - targets.origin), duration, amount: 0 },
        "final"
      )
      records.push(running)
      return running
    }
    const slaves = Array.from({ length: config.slaves }, (_, i) => i)
    yield* targets.progress(`${stamp(targets.origin)} final phase: every slave down for ${millis} ms`)
    const blackholes = slaves.map((i) => fault("slave-blackhole", i, millis))
    yield* Effect.forEach(blackholes, (r) => Injector.inject(targets, r), { discard: true })
    const allDown = performance.now()
    setOn(true)
    yield* sleepUntil(start + millis / 2)
    const stops = slaves.map((i) => fault("slave-stop", i, millis / 2))
    yield* Effect.forEach(stops, (r) => Injector.inject(targets, r), { discard: true })
    const stopped = performance.now()
    yield* Effect.forEach(blackholes, (r) => Injector.lift(targets, r), { discard: true })
    yield* sleepUntil(start + millis)
    const liftAt = performance.now()
    setOn(false)
    yield* Effect.forEach(stops, (r) => Injector.lift(targets, r), { discard: true })
    return { start, allDown, stopped, liftAt, end: performance.now() }
  })

// how often the event loop is looked at, and the lateness worth recording
const loopTick = 50
const loopLate = 20

/** Records every time a short timer fires late: the process was busy or starved of CPU. */
const watchLoop = (stalls: Array<Stall>) =>
  Effect.forever(
    Effect.suspend(() => {
      const due = performance.now() + loopTick
      return Effect.sleep(loopTick).pipe(
        Effect.zipRight(
          Effect.sync(() => {
            const late = performance.now() - due
            if (late >= loopLate) stalls.push({ at: due, millis: late })
          })
        )
      )
    })
  )

const unreadable = (error: string) => ({ unreadable: error })

/**
 * The workload phase, inside the scope of the proxies: oracle, connections,
 * workload and injector; then every fault lifted, the slaves caught up and
 * the data read from every node.
 */
const workloadPhase = (
  cluster: LocalCluster.LocalCluster,
  proxies: Topology.Proxies,
  config: ChaosConfig,
  seed: number,
  progress: Progress
): Effect.Effect<Recorded, BenchError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const oracle = yield* Oracle.start(
        {
          direct: { master: cluster.masterUri, slaves: cluster.slaveUris },
          proxied: { master: proxies.master.uri, slaves: proxies.slaves.map((p) => p.uri) },
          proxiedOptions: Topology.libraryClientOptions(config)
        },
        config.oracle
      )
      yield* Topology.prepareData(cluster.masterUri, Workload.counterIds(config))
      yield* Effect.mapError(cluster.waitForReplication(), during("wait for the slaves before the workload"))
      const connection = yield* Topology.connect(proxies, config, { fallbackToMaster: false })
      const fallback = yield* Topology.connect(proxies, config, { fallbackToMaster: true })
      const collection = (c: typeof connection, name: string) =>
        c.database(Topology.dataNamespace.database).pipe(
          Effect.flatMap((db) => db.collection(name)),
          Effect.mapError(during(`open ${Topology.dataNamespace.database}.${name}`))
        )
      const docs = yield* collection(connection, Topology.dataNamespace.docs)
      const counters = yield* collection(connection, Topology.dataNamespace.counters)
      const fallbackDocs = yield* collection(fallback, Topology.dataNamespace.docs)

      const ledger = new Ledger()
      for (const fiber of Workload.writerNames(config)) ledger.counter(Workload.ownCounter(fiber), false)
      ledger.counter(Workload.sharedCounter, true)
      const ops: Array<OpRecord> = []
      const samples: Array<StatusSample> = []
      const stalls: Array<Stall> = []
      let stopped = false
      let finalOn = false
      const origin = performance.now()
      const targets: Injector.Targets = { cluster, proxies, progress, origin }

      yield* Effect.forkScoped(
        Effect.repeat(
          Effect.flatMap(connection.slaveStatus, (statuses) =>
            Effect.sync(() =>
              samples.push({
                at: performance.now(),
                down: statuses.map((s) => s.down),
                staleness: statuses.map((s) => Option.getOrUndefined(s.stalenessMillis))
              })
            )
          ),
          ScheduleEffect.fixed(250)
        )
      )
      yield* Effect.forkScoped(watchLoop(stalls))
      const ctx: Workload.Context = {
        seed,
        config,
        docs,
        counters,
        fallbackDocs,
        ledger,
        record: (op) => ops.push(op),
        stopped: () => stopped,
        finalPhase: () => finalOn
      }
      const workload = yield* Effect.forkScoped(
        Effect.all(Workload.fibers(ctx), { concurrency: "unbounded", discard: true })
      )
      yield* Effect.forkScoped(
        Effect.repeat(
          Effect.suspend(() => {
            const failed = ops.filter((op) => !op.ok).length
            return progress(`${stamp(origin)} ${ops.length} operations (${failed} failed)`)
          }),
          ScheduleEffect.spaced(10_000)
        ).pipe(Effect.delay(10_000))
      )

      const mainMillis = config.phases.durationMillis - config.phases.finalMillis
      const schedule = Schedule.generate({
        seed,
        slaves: config.slaves,
        startMillis: config.phases.warmupMillis,
        endMillis: mainMillis - config.phases.cooldownMillis,
        faults: config.faults
      })
      yield* progress(
        `${stamp(origin)} workload started; ${schedule.length} faults planned over ${Math.round(mainMillis / 1000)} s`
      )
      const records: Array<Injector.Running> = []
      yield* Injector.run(targets, schedule, records)
      yield* sleepUntil(origin + mainMillis)
      const mainEnd = performance.now()
      const final =
        config.phases.finalMillis > 0
          ? yield* finalPhase(targets, records, config, schedule.length + 1, (on) => {
              finalOn = on
            })
          : undefined
      stopped = true
      const workloadEnd = performance.now()
      yield* progress(`${stamp(origin)} workload stopping; waiting for operations in flight`)
      const drained = yield* Fiber.join(workload).pipe(Effect.timeout(config.workload.drainMillis), Effect.option)
      if (Option.isNone(drained)) {
        yield* progress(`operations still running after ${config.workload.drainMillis} ms: interrupting them`)
        yield* Fiber.interrupt(workload)
      }

      // every fault off, every slave caught up, then the data of every node
      yield* Injector.liftAll(targets, records)
      const restoreError = yield* cluster.waitForReplication({ timeout: config.phases.replicationTimeoutMillis }).pipe(
        Effect.as(undefined),
        Effect.catchAll((error) => Effect.succeed(error.message))
      )
      yield* progress(
        `${stamp(origin)} faults lifted, slaves caught up${restoreError === undefined ? "" : ` — NOT: ${restoreError}`}; reading every node`
      )
      const master = yield* Verify.read(cluster.masterUri).pipe(Effect.catchAll((e) => Effect.succeed(unreadable(e))))
      const slaves = yield* Effect.forEach(cluster.slaveUris, (uri) =>
        Verify.read(uri).pipe(Effect.catchAll((e) => Effect.succeed(unreadable(e))))
      )
      return {
        origin,
        ops,
        probes: oracle.probes,
        markers: oracle.markers,
        faults: records.map((r) => r.record()),
        samples,
        stalls,
        phases: { start: origin, mainEnd, final, workloadEnd },
        ledger: ledger.snapshot(),
        acknowledgedInserts: ledger.acknowledgedInserts,
        master,
        slaves,
        restoreError
      }
    })
  )

const isEmpty = (resources: Leaks.Resources) => Object.keys(resources).length === 0

/**
 * Runs the whole thing; the leak checks measure after each scope closes.
 *
 * @since 0.2.0
 */
export const run = (config: ChaosConfig, seed: number, progress: Progress): Effect.Effect<Finished, BenchError> =>
  Effect.gen(function* () {
    const beforeCluster = Leaks.resources()
    const inCluster = yield* Effect.scoped(
      Effect.gen(function* () {
        const cluster = yield* Topology.startCluster(config.slaves, progress)
        yield* progress("checking the stand-in with the raw driver (concurrent $inc, w:0 writes)")
        const quirks = yield* Quirks.verify(cluster.masterUri)
        for (const line of Quirks.describeFindings(quirks)) yield* progress(`  ${line}`)
        const ports = new Set(cluster.nodes.map((n) => n.port))
        const withProxies = yield* Effect.scoped(
          Effect.gen(function* () {
            const proxies = yield* Topology.startProxies(cluster)
            for (const proxy of proxies.all) ports.add(proxy.port)
            const beforeConnections = Leaks.resources()
            const recorded = yield* workloadPhase(cluster, proxies, config, seed, progress)
            const resources = yield* Leaks.settle(() => Leaks.excess(beforeConnections, Leaks.resources()), isEmpty)
            const sockets = yield* Leaks.settle(
              () => Leaks.openSockets(ports),
              (s) => s === undefined || s.length === 0
            )
            const connections = yield* Effect.forEach(proxies.all, (p) => p.connections)
            return { recorded, resources, sockets, proxyConnections: connections.reduce((a, b) => a + b, 0) }
          })
        )
        const pids = yield* cluster.processIds
        return { ...withProxies, quirks, pids, tempDir: cluster.tempDir }
      })
    )
    const processes = yield* Leaks.settle(
      () => Leaks.aliveProcesses(inCluster.pids),
      (alive) => alive.length === 0
    )
    const resourcesAfterCluster = yield* Leaks.settle(() => Leaks.excess(beforeCluster, Leaks.resources()), isEmpty)
    return {
      recorded: inCluster.recorded,
      quirks: inCluster.quirks,
      left: {
        resources: inCluster.resources,
        sockets: inCluster.sockets,
        proxyConnections: inCluster.proxyConnections,
        resourcesAfterCluster,
        processes,
        children: Leaks.children(),
        tempDir: Fs.existsSync(inCluster.tempDir) ? inCluster.tempDir : undefined
      }
    }
  })
