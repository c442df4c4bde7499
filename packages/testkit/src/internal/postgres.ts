import * as Path from "node:path"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import pg from "pg"
import { ClusterError } from "../Cluster.js"
import { host } from "./net.js"
import { type Daemon, daemon, describeLog, type RunAs, run } from "./process.js"

/** The database FerretDB keeps its data in (one PostgreSQL schema per MongoDB database). */
export const ferretdbDatabase = "ferretdb"

const superuser = "postgres"

const connect = (port: number, database: string) =>
  Effect.tryPromise({
    try: async () => {
      const client = new pg.Client({ host, port, user: superuser, database, connectionTimeoutMillis: 5_000 })
      // a node going down under an open connection must not crash the process
      client.on("error", () => {})
      await client.connect()
      return client
    },
    catch: (cause) =>
      new ClusterError({ operation: "connect to PostgreSQL", reason: `port ${port}: ${String(cause)}`, cause })
  })

const disconnect = (client: pg.Client) => Effect.promise(() => client.end().catch(() => undefined))

const runOn = <Row extends object>(client: pg.Client, sql: string, params: ReadonlyArray<unknown>) =>
  Effect.tryPromise({
    try: () => client.query<Row>(sql, [...params]).then((result) => result.rows),
    catch: (cause) => new ClusterError({ operation: "query PostgreSQL", reason: `${sql}: ${String(cause)}`, cause })
  })

/** Runs queries on one node, as {@link query} does. */
export type Runner = <Row extends object>(
  sql: string,
  params?: ReadonlyArray<unknown>
) => Effect.Effect<ReadonlyArray<Row>, ClusterError>

/**
 * Runs one query on a node as the superuser, over a connection opened for it.
 */
export const query = <Row extends object>(
  port: number,
  sql: string,
  params: ReadonlyArray<unknown> = [],
  database = ferretdbDatabase
): Effect.Effect<ReadonlyArray<Row>, ClusterError> =>
  Effect.acquireUseRelease(connect(port, database), (client) => runOn<Row>(client, sql, params), disconnect)

/** The queries of one node, each over a connection of its own. */
export const runner =
  (port: number): Runner =>
  (sql, params) =>
    query(port, sql, params)

/**
 * One connection to a node, kept open for as long as the scope lives, for
 * queries asked often (a poll): opening a connection costs PostgreSQL a
 * process, ten times the query itself.
 */
export const session = (port: number): Effect.Effect<Runner, ClusterError, Scope.Scope> =>
  Effect.map(
    Effect.acquireRelease(connect(port, ferretdbDatabase), disconnect),
    (client): Runner =>
      (sql, params = []) =>
        runOn(client, sql, params)
  )

/** The settings every node runs with: loopback only, no Unix socket, durability traded for speed. */
const serverSettings = (port: number): ReadonlyArray<string> =>
  [
    `port=${port}`,
    `listen_addresses=${host}`,
    "unix_socket_directories=",
    // a test cluster lives for minutes: durability is not worth a disk flush
    "fsync=off",
    "full_page_writes=off",
    "wal_level=replica",
    "max_wal_senders=16",
    "max_replication_slots=16",
    // concurrent base backups each force a checkpoint, which could recycle a
    // WAL segment another backup still streams: keep some
    "wal_keep_size=256MB",
    "hot_standby=on",
    // keep long reads on a standby from being cancelled by the master's vacuum
    "hot_standby_feedback=on",
    "max_connections=200",
    "shared_buffers=64MB",
    "log_min_messages=warning"
  ].flatMap((setting) => ["-c", setting])

/** Creates a primary's data directory, UTF8 in the C locale, trusting loopback connections. */
export const initPrimary = (bin: string, dataDir: string, runAs: RunAs | undefined) =>
  run(
    "initialise the PostgreSQL primary",
    Path.join(bin, "initdb"),
    ["-D", dataDir, "-U", superuser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
    { runAs }
  )

/**
 * Copies the primary into a hot standby's data directory (`pg_basebackup -R`):
 * it streams from the primary through its own replication slot, so the primary
 * keeps the WAL a stopped standby needs to catch up.
 */
export const baseBackup = (bin: string, primaryPort: number, dataDir: string, slot: string, runAs: RunAs | undefined) =>
  run(
    "copy the primary into a standby",
    Path.join(bin, "pg_basebackup"),
    [
      "-h",
      host,
      "-p",
      String(primaryPort),
      "-U",
      superuser,
      "-D",
      dataDir,
      "-R",
      "-X",
      "stream",
      "-C",
      "-S",
      slot,
      "-c",
      "fast",
      "--no-sync"
    ],
    { runAs }
  )

/**
 * Runs PostgreSQL on a data directory until the scope closes; ready when it
 * answers a query.
 */
export const serve = (options: {
  readonly name: string
  readonly bin: string
  readonly dataDir: string
  readonly port: number
  readonly logFile: string
  readonly runAs: RunAs | undefined
  readonly timeout: Duration.DurationInput
}): Effect.Effect<Daemon, ClusterError, Scope.Scope> =>
  Effect.gen(function* () {
    const server = yield* daemon({
      name: options.name,
      command: Path.join(options.bin, "postgres"),
      args: ["-D", options.dataDir, ...serverSettings(options.port)],
      logFile: options.logFile,
      runAs: options.runAs,
      // SIGINT is PostgreSQL's "fast" shutdown: no waiting for clients to leave
      stopSignal: "SIGINT",
      stopTimeout: "10 seconds"
    })
    yield* query(options.port, "SELECT 1", [], "postgres").pipe(
      Effect.retry(
        Schedule.spaced("20 millis").pipe(
          Schedule.upTo(options.timeout),
          Schedule.checkEffect(() => Effect.map(server.hasExited, (exited) => !exited))
        )
      ),
      Effect.mapError(
        () =>
          new ClusterError({
            operation: `start ${options.name}`,
            reason: `PostgreSQL did not accept connections within ${Duration.format(options.timeout)}; ${describeLog(options.logFile)}`
          })
      )
    )
    return server
  })

/** The master's current WAL position. */
export const currentWalPosition = (port: number) =>
  query<{ lsn: string }>(port, "SELECT pg_current_wal_lsn()::text AS lsn").pipe(Effect.map((rows) => rows[0]!.lsn))

/** Whether a standby has replayed the WAL up to `lsn`. */
export const hasReplayed = (port: number, lsn: string) =>
  query<{ done: boolean }>(port, "SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS done", [lsn]).pipe(
    Effect.map((rows) => rows[0]!.done)
  )

/**
 * A digest of FerretDB's catalog as stored in a node: every database (a schema
 * holding FerretDB's metadata table) and every collection's metadata row. Two
 * nodes with the same digest show a FerretDB the same databases, collections
 * and indexes.
 */
export const catalogDigest = (port: number, on: Runner = runner(port)) =>
  on<{ digest: string | null }>(
    `SELECT md5(string_agg(table_schema || '=' || md5(query_to_xml(
        format('SELECT _jsonb FROM %I._ferretdb_database_metadata ORDER BY _jsonb', table_schema), false, false, ''
      )::text), ',' ORDER BY table_schema)) AS digest
     FROM information_schema.tables
     WHERE table_name = '_ferretdb_database_metadata'`
  ).pipe(Effect.map((rows) => rows[0]?.digest ?? ""))

/** A standby's `recovery_min_apply_delay`, in milliseconds. */
export const applyDelay = (port: number) =>
  query<{ ms: string }>(
    port,
    "SELECT setting AS ms FROM pg_settings WHERE name = 'recovery_min_apply_delay'",
    [],
    "postgres"
  ).pipe(Effect.map((rows) => Number(rows[0]?.ms)))

/**
 * Sets a standby's `recovery_min_apply_delay` — it applies each transaction
 * only once the delay has passed since the primary committed it — and waits
 * until the server has reloaded its configuration. `ALTER SYSTEM` writes it
 * to `postgresql.auto.conf` in the data directory, so it outlives a restart.
 * The startup process re-reads it on the reload's SIGHUP, which also wakes it
 * from a delay it is waiting out: a shorter delay, or none, applies at once.
 */
export const setApplyDelay = (port: number, millis: number) =>
  Effect.gen(function* () {
    // ALTER SYSTEM takes no parameters; `millis` is a validated whole number
    yield* query(port, `ALTER SYSTEM SET recovery_min_apply_delay = '${Math.round(millis)}ms'`, [], "postgres")
    yield* query(port, "SELECT pg_reload_conf()", [], "postgres")
    // the reload is asynchronous: a new session sees the setting once the server has re-read it
    yield* applyDelay(port).pipe(
      Effect.filterOrFail(
        (current) => current === Math.round(millis),
        (current) =>
          new ClusterError({
            operation: "set the replication delay",
            reason: `port ${port}: the standby still applies ${current} ms after reloading its configuration`
          })
      ),
      Effect.retry(Schedule.spaced("5 millis").pipe(Schedule.upTo("5 seconds")))
    )
  })

/** Stops (or restarts) a standby's replay of the master's WAL. */
export const setReplayPaused = (port: number, paused: boolean) =>
  query(port, paused ? "SELECT pg_wal_replay_pause()" : "SELECT pg_wal_replay_resume()").pipe(Effect.asVoid)

/** Creates the database FerretDB stores everything in. */
export const createFerretdbDatabase = (port: number) =>
  query(port, `CREATE DATABASE ${ferretdbDatabase}`, [], "postgres").pipe(Effect.asVoid)
