/**
 * A real master/slave deployment on this machine: a PostgreSQL primary and
 * hot standbys fed by streaming replication, each fronted by its own FerretDB,
 * all on free loopback ports in one temporary directory.
 *
 * FerretDB 1.24 reads its catalog (databases, collections, indexes) once per
 * process and afterwards only tracks the DDL it runs itself. A slave's
 * FerretDB therefore does not see a database or collection created on the
 * master after it loaded its catalog, even once the standby has replayed it.
 * `waitForReplication` deals with it: after the standbys have replayed the
 * master's WAL, it compares each standby's catalog with the one its FerretDB
 * loaded and restarts that FerretDB (same port) when they differ. Clients of
 * that slave see their connections reset, as after a real node restart. With
 * `followCatalog`, the cluster does the same on its own, within a fraction of
 * a second of a catalog change on the master, as a replicating deployment
 * would. The `collections` a cluster is made with exist on every slave from
 * the start (by default the library's heartbeat namespace).
 *
 * @since 0.1.0
 */
import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import { MongoClient } from "mongodb"
import { Cluster, ClusterError, ReplicationTimeout, type WaitOptions } from "./Cluster.js"
import { delayMillis } from "./internal/delay.js"
import * as Ferretdb from "./internal/ferretdb.js"
import { freePorts } from "./internal/net.js"
import * as Postgres from "./internal/postgres.js"
import { type Daemon, daemon, describeLog, type RunAs } from "./internal/process.js"
import * as Parts from "./Parts.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** How many slaves (hot standbys), 1 to 8. Default 2. */
  readonly slaves?: number
  /** How long each process may take to start. Default 60 seconds. */
  readonly startTimeout?: Duration.DurationInput
  /** Told each step of the start, for a progress line. */
  readonly progress?: Parts.Progress
  /** Where the programs are; found with `Parts.locate` when omitted. */
  readonly parts?: Parts.Parts
  /**
   * Collections (`"database.collection"`) created on the master before the
   * cluster is ready, so that every slave's FerretDB knows them from the
   * start (see the module's note on FerretDB's catalog). Default
   * {@link defaultCollections}: the namespace of the library's heartbeats.
   *
   * @since 0.2.0
   */
  readonly collections?: ReadonlyArray<string>
  /**
   * Keep every slave's FerretDB in step with the master's catalog, as a
   * replicating deployment would be: the master's catalog is polled (every
   * 250 ms by default) and, once a standby has replayed a change, that slave's
   * FerretDB is restarted on its port so it serves the new database, collection
   * or index — one slave at a time, so that with two slaves or more one always
   * answers. Off by default: tests call `waitForReplication`, which does the
   * same at a moment they choose. `cluster up` turns it on.
   *
   * @since 0.2.0
   */
  readonly followCatalog?: boolean | { readonly interval?: Duration.DurationInput }
}

/**
 * The collections a local cluster is made with unless told otherwise: the
 * namespace where the library keeps its heartbeat documents, which it reads
 * back from every slave.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultCollections: ReadonlyArray<string> = ["mongo_master_slave.heartbeats"]

/**
 * One node of the local cluster.
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeInfo {
  readonly role: "master" | "slave"
  /** `-1` for the master, `0..n-1` for the slaves. */
  readonly index: number
  readonly uri: string
  /** The FerretDB port the URI names. */
  readonly port: number
  /** The PostgreSQL node behind it. */
  readonly postgresPort: number
  readonly dataDir: string
}

/**
 * What a slave is doing now.
 *
 * @since 0.2.0
 * @category models
 */
export interface SlaveStatus {
  readonly index: number
  readonly uri: string
  /** Whether its processes run (`stopSlave`/`startSlave`). */
  readonly running: boolean
  /** Whether its replication is paused (`pauseReplication`). */
  readonly paused: boolean
  /** Its replication delay (`setReplicationDelay`), `0` when there is none. */
  readonly replicationDelayMillis: number
}

/**
 * The local cluster: the `Cluster` controls plus what it runs where.
 *
 * @since 0.1.0
 * @category models
 */
export interface LocalCluster extends Cluster {
  readonly tempDir: string
  readonly nodes: ReadonlyArray<NodeInfo>
  /** The process ids of everything it is running now. */
  readonly processIds: Effect.Effect<ReadonlyArray<number>>
  /**
   * Each slave's state: running or stopped, paused, its replication delay.
   *
   * @since 0.2.0
   */
  readonly slaveStatus: Effect.Effect<ReadonlyArray<SlaveStatus>>
}

interface FerretdbProcess {
  readonly scope: Scope.CloseableScope
  readonly daemon: Daemon
  /** The digest of the catalog its standby held when it started. */
  readonly catalog: string
}

interface RunningSlave {
  readonly scope: Scope.CloseableScope
  readonly postgres: Daemon
  readonly ferretdb: FerretdbProcess
}

interface SlaveState {
  readonly running: Option.Option<RunningSlave>
  readonly paused: boolean
  /** The replication delay asked for, kept across a stop and a start. */
  readonly delayMillis: number
  /** Set while stopped: the delay has still to be written to the standby. */
  readonly delayPending: boolean
}

const defaultFollowInterval = "250 millis"

const namespaceOf = (namespace: string) => {
  const dot = namespace.indexOf(".")
  return dot > 0 && dot < namespace.length - 1
    ? Option.some({ database: namespace.slice(0, dot), collection: namespace.slice(dot + 1) })
    : Option.none()
}

/** Creates collections through the master's FerretDB; one that exists already is fine. */
const createCollections = (uri: string, namespaces: ReadonlyArray<{ database: string; collection: string }>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 })),
    (client) =>
      Effect.forEach(
        namespaces,
        ({ database, collection }) =>
          Effect.tryPromise({
            try: () =>
              client
                .db(database)
                .createCollection(collection)
                .catch((error: { code?: number }) => {
                  // 48: NamespaceExists
                  if (error.code !== 48) throw error
                }),
            catch: (cause) =>
              new ClusterError({
                operation: "start the local cluster",
                reason: `could not create the collection ${database}.${collection} on the master: ${String(cause)}`,
                cause
              })
          }),
        { discard: true }
      ),
    (client) => Effect.promise(() => client.close(true))
  )

const resolveRunAs: Effect.Effect<RunAs | undefined, ClusterError> = Effect.try({
  try: () => {
    if (process.getuid?.() !== 0) return undefined
    const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim())
    return { uid: id("-u"), gid: id("-g") }
  },
  catch: (cause) =>
    new ClusterError({
      operation: "start the local cluster",
      reason: "running as root, and PostgreSQL refuses root: there must be a postgres user to run it as",
      cause
    })
})

const makeTempDir = (runAs: RunAs | undefined) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "msc-cluster-"))
      for (const sub of ["pg", "ferretdb", "logs"]) Fs.mkdirSync(Path.join(dir, sub))
      if (runAs !== undefined) {
        for (const sub of ["", "pg"]) Fs.chownSync(Path.join(dir, sub), runAs.uid, runAs.gid)
      }
      return dir
    }),
    (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  )

/**
 * A watchdog for the case no finalizer runs (the process is killed with
 * SIGKILL): once this process is gone it stops everything started from the
 * temporary directory and deletes it. The paths travel in the environment so
 * that the watchdog's own command line never matches them.
 */
const guardian = (tempDir: string) =>
  daemon({
    name: "cleanup watchdog",
    command: "sh",
    args: [
      "-c",
      'while kill -0 "$MSC_PARENT" 2>/dev/null; do sleep 0.5; done; pkill -INT -f -- "$MSC_DIR"; sleep 3; pkill -KILL -f -- "$MSC_DIR"; rm -rf -- "$MSC_DIR"'
    ],
    env: { MSC_PARENT: String(process.pid), MSC_DIR: tempDir },
    logFile: Path.join(tempDir, "logs", "watchdog.log"),
    stopSignal: "SIGKILL"
  })

/**
 * Starts a local cluster that lives as long as the current scope. Closing the
 * scope stops every process, reaps it and deletes the temporary directory.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<LocalCluster, ClusterError | Parts.PartsMissing, Scope.Scope> =>
  Effect.gen(function* () {
    const slaveCount = options.slaves ?? 2
    if (!Number.isInteger(slaveCount) || slaveCount < 1 || slaveCount > 8) {
      return yield* new ClusterError({
        operation: "start the local cluster",
        reason: `slaves must be a whole number from 1 to 8, got ${slaveCount}`
      })
    }
    const collections = yield* Effect.forEach(options.collections ?? defaultCollections, (namespace) =>
      Option.match(namespaceOf(namespace), {
        onNone: () =>
          Effect.fail(
            new ClusterError({
              operation: "start the local cluster",
              reason: `collections: "${namespace}" is not a namespace of the form "database.collection"`
            })
          ),
        onSome: Effect.succeed
      })
    )
    const progress = options.progress ?? (() => Effect.void)
    const timeout = options.startTimeout ?? "60 seconds"
    const parts = options.parts ?? (yield* Parts.locate)
    const runAs = yield* resolveRunAs
    const clusterScope = yield* Effect.scope
    const tempDir = yield* makeTempDir(runAs)
    const watchdog = yield* guardian(tempDir)

    const ports = yield* freePorts(2 * (slaveCount + 1))
    const node = (role: "master" | "slave", index: number): NodeInfo => {
      const slot = index + 1
      const name = role === "master" ? "master" : `slave-${index}`
      return {
        role,
        index,
        uri: Ferretdb.uri(ports[2 * slot + 1]!),
        port: ports[2 * slot + 1]!,
        postgresPort: ports[2 * slot]!,
        dataDir: Path.join(tempDir, "pg", name)
      }
    }
    const master = node("master", -1)
    const slaves = Array.from({ length: slaveCount }, (_, i) => node("slave", i))
    const nameOf = (n: NodeInfo) => (n.role === "master" ? "master" : `slave ${n.index}`)
    const logFile = (n: NodeInfo, program: string) =>
      Path.join(tempDir, "logs", `${n.role === "master" ? "master" : `slave-${n.index}`}.${program}.log`)

    const servePostgres = (n: NodeInfo) =>
      Postgres.serve({
        name: `PostgreSQL of the ${nameOf(n)}`,
        bin: parts.postgresBin,
        dataDir: n.dataDir,
        port: n.postgresPort,
        logFile: logFile(n, "postgres"),
        runAs,
        timeout
      })

    const serveFerretdb = (n: NodeInfo) =>
      Ferretdb.serve({
        name: `FerretDB of the ${nameOf(n)}`,
        binary: parts.ferretdb,
        postgresPort: n.postgresPort,
        port: n.port,
        stateDir: Path.join(tempDir, "ferretdb", n.role === "master" ? "master" : `slave-${n.index}`),
        logFile: logFile(n, "ferretdb"),
        timeout
      })

    // A slave's processes live in a scope of their own so the slave can be
    // stopped alone, and its FerretDB in a scope within it so it can be
    // restarted alone; a start that fails closes what it had started.
    const inChildScope = <A, E>(parent: Scope.Scope, start: (scope: Scope.CloseableScope) => Effect.Effect<A, E>) =>
      Effect.flatMap(Scope.fork(parent, ExecutionStrategy.sequential), (scope) =>
        start(scope).pipe(Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause))))
      )

    const startSlaveFerretdb = (n: NodeInfo, parent: Scope.Scope) =>
      inChildScope(parent, (scope) =>
        Effect.gen(function* () {
          const catalog = yield* Postgres.catalogDigest(n.postgresPort)
          const process = yield* serveFerretdb(n).pipe(Scope.extend(scope))
          return { scope, daemon: process, catalog } satisfies FerretdbProcess
        })
      )

    const waitUntilReplayed = (n: NodeInfo, position: string, limit: Duration.DurationInput) =>
      Postgres.hasReplayed(n.postgresPort, position).pipe(
        Effect.repeat({ until: (done) => done, schedule: Schedule.spaced("5 millis") }),
        Effect.timeoutOption(limit),
        Effect.map(Option.isSome)
      )

    // `beforeFerretdb` runs once the standby answers, before its FerretDB
    // starts (and loads its catalog)
    const startSlaveNode = (n: NodeInfo, beforeFerretdb: Effect.Effect<void, ClusterError> = Effect.void) =>
      inChildScope(clusterScope, (scope) =>
        Effect.gen(function* () {
          const postgres = yield* servePostgres(n).pipe(Scope.extend(scope))
          yield* beforeFerretdb
          const ferretdb = yield* startSlaveFerretdb(n, scope)
          return { scope, postgres, ferretdb } satisfies RunningSlave
        })
      )

    yield* progress("initialising the PostgreSQL primary")
    yield* Postgres.initPrimary(parts.postgresBin, master.dataDir, runAs)
    const masterPostgres = yield* servePostgres(master)
    yield* Postgres.createFerretdbDatabase(master.postgresPort)
    yield* progress(
      `copying the primary into ${slaveCount} hot standby(s) (pg_basebackup -R) and starting FerretDB in front of every node`
    )
    // The master's FerretDB creates the collections while the standbys are
    // copied and started; each slave's FerretDB starts once its standby has
    // replayed them, so it loads a catalog that holds them.
    const created = yield* Deferred.make<string, ClusterError>()
    const startMaster = Effect.gen(function* () {
      const ferretdb = yield* serveFerretdb(master)
      if (collections.length > 0) yield* createCollections(master.uri, collections)
      return ferretdb
    }).pipe(
      Effect.tap(() => Deferred.complete(created, Postgres.currentWalPosition(master.postgresPort))),
      Effect.onError(() => Deferred.interrupt(created))
    )
    const collectionsReplayed = (n: NodeInfo) =>
      Effect.gen(function* () {
        if (collections.length === 0) return
        const position = yield* Deferred.await(created)
        if (!(yield* waitUntilReplayed(n, position, timeout))) {
          return yield* new ClusterError({
            operation: `start slave ${n.index}`,
            reason: `its standby did not replay the master's first collections within ${Duration.format(Duration.decode(timeout))}; ${describeLog(logFile(n, "postgres"))}`
          })
        }
      })
    const [masterFerretdb, running] = yield* Effect.all(
      [
        startMaster,
        Effect.forEach(
          slaves,
          (s) =>
            Postgres.baseBackup(parts.postgresBin, master.postgresPort, s.dataDir, `slave_${s.index}`, runAs).pipe(
              Effect.zipRight(startSlaveNode(s, collectionsReplayed(s)))
            ),
          { concurrency: "unbounded" }
        )
      ],
      { concurrency: "unbounded" }
    )
    const state = yield* Ref.make<ReadonlyArray<SlaveState>>(
      running.map((r) => ({ running: Option.some(r), paused: false, delayMillis: 0, delayPending: false }))
    )
    const lock = yield* Effect.makeSemaphore(1)
    const exclusive = lock.withPermits(1)

    const slaveAt = (operation: string, index: number) =>
      Effect.gen(function* () {
        const states = yield* Ref.get(state)
        const slave = slaves[index]
        if (!Number.isInteger(index) || slave === undefined) {
          return yield* new ClusterError({
            operation,
            reason: `there is no slave ${index}: the cluster has slaves 0 to ${slaveCount - 1}`
          })
        }
        return { node: slave, state: states[index]! }
      })

    const setState = (index: number, f: (s: SlaveState) => SlaveState) =>
      Ref.update(state, (states) => states.map((s, i) => (i === index ? f(s) : s)))

    const runningSlave = (operation: string, index: number) =>
      slaveAt(operation, index).pipe(
        Effect.flatMap(({ node, state }) =>
          Option.match(state.running, {
            onNone: () => Effect.fail(new ClusterError({ operation, reason: `slave ${index} is stopped` })),
            onSome: (running) => Effect.succeed({ node, running, paused: state.paused })
          })
        )
      )

    const stopSlave = (index: number) =>
      exclusive(
        Effect.gen(function* () {
          const { state: current } = yield* slaveAt(`stopSlave(${index})`, index)
          if (Option.isNone(current.running)) return
          yield* Scope.close(current.running.value.scope, Exit.void)
          yield* setState(index, (s) => ({ ...s, running: Option.none(), paused: false }))
        })
      )

    const startSlave = (index: number) =>
      exclusive(
        Effect.gen(function* () {
          const operation = `startSlave(${index})`
          const { node, state: current } = yield* slaveAt(operation, index)
          if (Option.isSome(current.running)) return
          // a delay set while the slave was stopped is written before FerretDB serves anything
          const applyPendingDelay = current.delayPending
            ? Postgres.setApplyDelay(node.postgresPort, current.delayMillis).pipe(
                Effect.mapError((e) => new ClusterError({ operation, reason: e.reason, cause: e }))
              )
            : Effect.void
          const started = yield* startSlaveNode(node, applyPendingDelay)
          yield* setState(index, (s) => ({ ...s, running: Option.some(started), paused: false, delayPending: false }))
        })
      )

    const setPaused = (index: number, paused: boolean) =>
      exclusive(
        Effect.gen(function* () {
          const operation = `${paused ? "pause" : "resume"}Replication(${index})`
          const { node } = yield* runningSlave(operation, index)
          yield* Postgres.setReplayPaused(node.postgresPort, paused)
          yield* setState(index, (s) => ({ ...s, paused }))
        })
      )

    const setReplicationDelay = (index: number, delay: Duration.DurationInput) =>
      exclusive(
        Effect.gen(function* () {
          const operation = `setReplicationDelay(${index})`
          const millis = yield* delayMillis(operation, delay)
          const { node, state: current } = yield* slaveAt(operation, index)
          if (Option.isSome(current.running)) {
            yield* Postgres.setApplyDelay(node.postgresPort, millis).pipe(
              Effect.mapError((e) => new ClusterError({ operation, reason: e.reason, cause: e }))
            )
          }
          yield* setState(index, (s) => ({
            ...s,
            delayMillis: millis,
            delayPending: Option.isNone(current.running)
          }))
        })
      )

    /** Restarts a slave's FerretDB when its standby's catalog is not the one it loaded; whether it did. */
    const refreshCatalog = (index: number) =>
      Effect.gen(function* () {
        const { node, running } = yield* runningSlave("refresh a slave's catalog", index)
        const catalog = yield* Postgres.catalogDigest(node.postgresPort)
        if (catalog === running.ferretdb.catalog) return false
        yield* Scope.close(running.ferretdb.scope, Exit.void)
        const ferretdb = yield* startSlaveFerretdb(node, running.scope)
        yield* setState(index, (s) => ({ ...s, running: Option.some({ ...running, ferretdb }) }))
        return true
      })

    const waitForReplication = (waitOptions: WaitOptions = {}) =>
      exclusive(
        Effect.gen(function* () {
          const limit = Duration.decode(waitOptions.timeout ?? "30 seconds")
          const states = yield* Ref.get(state)
          const targets = slaves.filter((_, i) => {
            const s = states[i]!
            return Option.isSome(s.running) && !s.paused && s.delayMillis === 0
          })
          const position = yield* Postgres.currentWalPosition(master.postgresPort)
          const lagging = yield* Effect.forEach(
            targets,
            (s) => Effect.map(waitUntilReplayed(s, position, limit), (caughtUp) => (caughtUp ? [] : [s.index])),
            { concurrency: "unbounded" }
          ).pipe(Effect.map((results) => results.flat()))
          if (lagging.length > 0) {
            return yield* new ReplicationTimeout({ slaves: lagging, timeout: Duration.format(limit) })
          }
          yield* Effect.forEach(targets, (s) => refreshCatalog(s.index), { concurrency: "unbounded", discard: true })
        })
      )

    /**
     * One look at the catalogs: every running slave whose FerretDB did not
     * load the master's current catalog is refreshed once its standby has
     * replayed a change, one slave at a time. Paused and delayed slaves too:
     * they serve a new collection once their standby has it.
     */
    const followOnce = (masterCatalog: string) =>
      Effect.gen(function* () {
        const states = yield* Ref.get(state)
        const behind = states.flatMap((s, i) =>
          Option.isSome(s.running) && s.running.value.ferretdb.catalog !== masterCatalog ? [i] : []
        )
        // a slave stopped since the look above is left alone
        const stillRunning = (index: number) => Effect.map(Ref.get(state), (now) => Option.isSome(now[index]!.running))
        for (const index of behind) {
          const restarted = yield* exclusive(
            Effect.flatMap(stillRunning(index), (running) => (running ? refreshCatalog(index) : Effect.succeed(false)))
          ).pipe(
            Effect.catchAll((error) =>
              Effect.as(progress(`slave ${index}: could not refresh its catalog (${error.message}); will retry`), false)
            )
          )
          if (restarted) yield* progress(`slave ${index}: the master's catalog changed; FerretDB reloaded it`)
        }
      })

    const followCatalog = (interval: Duration.DurationInput) =>
      Effect.scoped(
        Effect.gen(function* () {
          const onMaster = yield* Postgres.session(master.postgresPort)
          return yield* Postgres.catalogDigest(master.postgresPort, onMaster).pipe(
            Effect.flatMap(followOnce),
            Effect.zipRight(Effect.sleep(interval)),
            Effect.forever
          )
        })
      ).pipe(
        Effect.tapError((error) => progress(`following the master's catalog: ${error.message}; retrying`)),
        Effect.retry(Schedule.spaced(interval))
      )

    if (options.followCatalog !== undefined && options.followCatalog !== false) {
      const interval = options.followCatalog === true ? defaultFollowInterval : options.followCatalog.interval
      yield* Effect.forkIn(followCatalog(interval ?? defaultFollowInterval), clusterScope)
    }

    const processIds = Effect.gen(function* () {
      const states = yield* Ref.get(state)
      const slavePids = states.flatMap((s) =>
        Option.match(s.running, {
          onNone: () => [],
          onSome: (r) => [r.postgres.pid, r.ferretdb.daemon.pid]
        })
      )
      return [watchdog.pid, masterPostgres.pid, masterFerretdb.pid, ...slavePids]
    })

    const slaveStatus = Effect.map(Ref.get(state), (states) =>
      states.map(
        (s, index): SlaveStatus => ({
          index,
          uri: slaves[index]!.uri,
          running: Option.isSome(s.running),
          paused: s.paused,
          replicationDelayMillis: s.delayMillis
        })
      )
    )

    yield* progress(
      `cluster ready: master ${master.uri}, slaves ${slaves.map((s) => s.uri).join(" ")} (files in ${tempDir})`
    )

    return {
      kind: "local",
      masterUri: master.uri,
      slaveUris: slaves.map((s) => s.uri),
      tempDir,
      nodes: [master, ...slaves],
      processIds,
      slaveStatus,
      stopSlave,
      startSlave,
      pauseReplication: (index: number) => setPaused(index, true),
      resumeReplication: (index: number) => setPaused(index, false),
      setReplicationDelay,
      waitForReplication
    } satisfies LocalCluster
  })

/**
 * The local cluster as the `Cluster` service, for as long as the layer lives.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Cluster, ClusterError | Parts.PartsMissing> =>
  Layer.scoped(Cluster, make(options))
