/**
 * The master/slave connection: every write goes to the master; reads are
 * spread over the slaves and fail over from slave to slave until one answers;
 * inside a request every read goes to the master. The successor of PyMongo's
 * `MasterSlaveConnection`, as an Effect service.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import type * as ConfigErrorEffect from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Equal from "effect/Equal"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Consistency from "./Consistency.js"
import type { CursorRef } from "./Cursor.js"
import type { Database } from "./Database.js"
import type { DocumentSchema } from "./Document.js"
import {
  ConfigError,
  type ConnectionError,
  type InvalidName,
  type InvalidOption,
  type OperationError
} from "./Errors.js"
import * as internal from "./internal/connection.js"
import * as Master from "./Master.js"
import type { Node } from "./Node.js"
import * as ReadStrategy from "./ReadStrategy.js"
import * as Request from "./Request.js"
import * as Slaves from "./Slaves.js"
import type * as WriteConcern from "./WriteConcern.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The default document schema (PyMongo's `document_class`). Default: any document. */
  readonly documentSchema?: Schema.Schema.AnyNoContext
  /** Decode BSON dates as `DateTime.Utc` rather than `Date`. Default `false`. */
  readonly tzAware?: boolean
  /** The order reads try the slaves in. Default: `ReadStrategy.random`. */
  readonly readStrategy?: ReadStrategy.ReadStrategy
  /**
   * When no slave can serve a read (none answers, or none is fresh enough
   * for its `maxStaleness`), read from the master rather than fail. Default
   * `false`. Causal reads always end on the master.
   */
  readonly fallbackToMaster?: boolean
  /**
   * Every read must reflect every write acknowledged more than this before
   * it started: only slaves whose staleness bound is within it serve reads
   * (see `Consistency`). Default: no bound. A few hundred milliseconds work;
   * the heartbeat then runs four times per bound.
   */
  readonly maxStaleness?: Duration.DurationInput
  /**
   * The budget of one read: all its attempts on slaves, a causal read's
   * wait, the fallback to the master. When it runs out the read fails with
   * `OperationTimeout` (each attempt is also bounded by the slaves'
   * `attemptTimeout`). Default 5 seconds.
   */
  readonly readTimeout?: Duration.DurationInput
  /**
   * Hedged reads, to cut the tail a slow or hanging slave adds: when the
   * slave a read tried first has not answered within `delay`, the same read
   * starts on the next slave too; the first answer wins and the other
   * attempt is interrupted (its connection closed). `delay` is `"p95"` (the
   * default: that slave's 95th-percentile latency, so about one read in
   * twenty hedges while every slave is healthy) or a fixed duration;
   * `maxShare` (default 0.1) caps the extra attempts at that share of reads.
   * `true` takes both defaults. Default: off.
   */
  readonly hedge?:
    | boolean
    | {
        readonly delay?: "p95" | Duration.DurationInput
        readonly maxShare?: number
      }
  /**
   * How long a causal read waits for a slave to show the scope's writes
   * before it goes to the master. Default 500 milliseconds; `0` never waits.
   */
  readonly causalWait?: Duration.DurationInput
  /**
   * The heartbeat that measures how far behind each slave is: a small
   * document this connection rewrites on the master and reads back from
   * every slave. `database`/`collection` default to
   * `mongo_master_slave.heartbeats` (the collection must be readable on the
   * slaves: on FerretDB 1.x create it before the slaves' FerretDB starts);
   * `interval` defaults to a quarter of `maxStaleness` (50 ms to 1 s), or 1
   * second. `false` turns it off: every slave's staleness is then unknown,
   * so bounded and causal reads go to the master.
   */
  readonly heartbeat?:
    | false
    | {
        readonly database?: string
        readonly collection?: string
        readonly interval?: Duration.DurationInput
      }
}

/**
 * The connection. Its write-concern controls are the connection's own;
 * databases made from it start from a copy.
 *
 * @since 0.1.0
 * @category models
 */
export interface MasterSlaveConnection extends WriteConcern.Control, Equal.Equal {
  readonly master: Node
  readonly slaves: readonly [Node, ...Array<Node>]
  readonly tzAware: boolean
  readonly readStrategy: ReadStrategy.ReadStrategy
  readonly fallbackToMaster: boolean
  readonly attemptTimeoutMillis: number
  /** What is known of each slave right now (down, latency, staleness bound). */
  readonly slaveStatus: Effect.Effect<ReadonlyArray<ReadStrategy.SlaveStatus>>
  /** A database, by a valid MongoDB name (`InvalidName` otherwise). */
  readonly database: (name: string) => Effect.Effect<Database, InvalidName>
  /** The names of every database, from the master. */
  readonly databaseNames: Effect.Effect<ReadonlyArray<string>, OperationError>
  /** Drops a database, by name or handle, on the master. */
  readonly dropDatabase: (nameOrDatabase: string | Database) => Effect.Effect<void, InvalidName | OperationError>
  /** Kills a server cursor on the node it lives on (PyMongo's `close_cursor`). */
  readonly closeCursor: (cursor: CursorRef) => Effect.Effect<void, InvalidOption | OperationError>
  /** Closes every node. Idempotent; operations afterwards fail with `ConnectionError`. */
  readonly disconnect: Effect.Effect<void>
  /** The default document schema. */
  readonly documentSchema: Effect.Effect<DocumentSchema<unknown, unknown>>
  /**
   * Changes the default document schema, for collections made afterwards:
   * any schema `collection(name, schema)` takes, a `Schema.Class` included.
   * It should decode into a document (collections without a schema of their
   * own are typed as `Document`). Something that is not a Schema is an
   * `InvalidOption` (since 0.2.0).
   */
  readonly setDocumentSchema: <A, I>(schema: DocumentSchema<A, I>) => Effect.Effect<void, InvalidOption>
  /** Starts a request for the enclosing scope: reads go to the master. */
  readonly startRequest: Effect.Effect<void, never, Scope.Scope>
  /** Runs an effect as a request: reads go to the master. */
  readonly inRequest: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  toJSON(): unknown
}

/**
 * @since 0.1.0
 * @category tags
 */
export const MasterSlaveConnection: Context.Tag<MasterSlaveConnection, MasterSlaveConnection> =
  Context.GenericTag<MasterSlaveConnection>("@mongo-master-slave/core/MasterSlaveConnection")

/**
 * The connection over the `Master` and `Slaves` services, for as long as the
 * scope lives. Bad options (or a slave that is the master's node) are a
 * `ConfigError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (
  options?: Options
) => Effect.Effect<MasterSlaveConnection, ConfigError, Master.Master | Slaves.Slaves | Scope.Scope> = internal.make

/**
 * The connection as a layer over `Master.layer(...)` and `Slaves.layer(...)`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<MasterSlaveConnection, ConfigError, Master.Master | Slaves.Slaves> =>
  Layer.scoped(MasterSlaveConnection, make(options))

const strategies: Record<string, () => ReadStrategy.ReadStrategy> = {
  random: () => ReadStrategy.random,
  ordered: () => ReadStrategy.ordered,
  "round-robin": ReadStrategy.roundRobin,
  "lowest-latency": () => ReadStrategy.lowestLatency
}

/**
 * The settings `layerConfig` reads, with their environment variables:
 *
 * - `MSC_MASTER_URI` (required): the master's connection string.
 * - `MSC_SLAVE_URIS` (required): the slaves' connection strings, comma-separated.
 * - `MSC_ATTEMPT_TIMEOUT`: how long a read waits for one slave (`"2 seconds"`).
 * - `MSC_CONNECT_TIMEOUT`: how long to wait for the master (`"10 seconds"`).
 * - `MSC_READ_STRATEGY`: `random`, `round-robin`, `ordered` or `lowest-latency`.
 * - `MSC_TZ_AWARE`, `MSC_FALLBACK_TO_MASTER`: `true` or `false`.
 * - `MSC_MAX_STALENESS`: the connection's staleness bound (`"500 millis"`).
 *
 * @since 0.1.0
 * @category config
 */
export const config = Config.all({
  masterUri: Config.string("MSC_MASTER_URI"),
  slaveUris: Config.string("MSC_SLAVE_URIS").pipe(
    Config.map((value) =>
      value
        .split(",")
        .map((uri) => uri.trim())
        .filter((uri) => uri.length > 0)
    )
  ),
  attemptTimeout: Config.option(Config.duration("MSC_ATTEMPT_TIMEOUT")),
  connectTimeout: Config.option(Config.duration("MSC_CONNECT_TIMEOUT")),
  readStrategy: Config.option(
    Config.literal("random", "round-robin", "ordered", "lowest-latency")("MSC_READ_STRATEGY")
  ),
  maxStaleness: Config.option(Config.duration("MSC_MAX_STALENESS")),
  tzAware: Config.withDefault(Config.boolean("MSC_TZ_AWARE"), false),
  fallbackToMaster: Config.withDefault(Config.boolean("MSC_FALLBACK_TO_MASTER"), false)
})

const fromConfigError = (error: ConfigErrorEffect.ConfigError) =>
  new ConfigError({ setting: "environment", reason: String(error) })

/**
 * The whole connection — master, slaves and connection — from the
 * environment (see {@link config}); `options` adds what the environment
 * cannot carry, such as a document schema.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: Pick<Options, "documentSchema" | "readStrategy"> = {}
): Layer.Layer<MasterSlaveConnection, ConfigError | ConnectionError> =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const settings = yield* Effect.mapError(config, fromConfigError)
      const connection = layer({
        ...options,
        tzAware: settings.tzAware,
        fallbackToMaster: settings.fallbackToMaster,
        ...Option.match(settings.maxStaleness, {
          onNone: () => ({}),
          onSome: (d) => ({ maxStaleness: d })
        }),
        ...Option.match(settings.readStrategy, {
          onNone: () => ({}),
          onSome: (name) => ({ readStrategy: strategies[name]!() })
        })
      })
      const master = Master.layer({
        uri: settings.masterUri,
        ...Option.match(settings.connectTimeout, {
          onNone: () => ({}),
          onSome: (d) => ({ connectTimeout: Duration.toMillis(d) })
        })
      })
      const slaves = Slaves.layer({
        uris: settings.slaveUris,
        ...Option.match(settings.attemptTimeout, {
          onNone: () => ({}),
          onSome: (d) => ({ attemptTimeout: Duration.toMillis(d) })
        })
      })
      return connection.pipe(Layer.provide(Layer.merge(master, slaves)))
    })
  )

/**
 * A database of the connection.
 *
 * @since 0.1.0
 * @category accessors
 */
export const database = (name: string): Effect.Effect<Database, InvalidName, MasterSlaveConnection> =>
  Effect.flatMap(MasterSlaveConnection, (connection) => connection.database(name))

/**
 * The names of every database.
 *
 * @since 0.1.0
 * @category accessors
 */
export const databaseNames: Effect.Effect<
  ReadonlyArray<string>,
  OperationError,
  MasterSlaveConnection
> = Effect.flatMap(MasterSlaveConnection, (connection) => connection.databaseNames)

/**
 * Drops a database.
 *
 * @since 0.1.0
 * @category accessors
 */
export const dropDatabase = (
  nameOrDatabase: string | Database
): Effect.Effect<void, InvalidName | OperationError, MasterSlaveConnection> =>
  Effect.flatMap(MasterSlaveConnection, (connection) => connection.dropDatabase(nameOrDatabase))

/**
 * Kills a server cursor where it lives.
 *
 * @since 0.1.0
 * @category accessors
 */
export const closeCursor = (
  cursor: CursorRef
): Effect.Effect<void, InvalidOption | OperationError, MasterSlaveConnection> =>
  Effect.flatMap(MasterSlaveConnection, (connection) => connection.closeCursor(cursor))

/**
 * Closes every node of the connection.
 *
 * @since 0.1.0
 * @category accessors
 */
export const disconnect: Effect.Effect<void, never, MasterSlaveConnection> = Effect.flatMap(
  MasterSlaveConnection,
  (connection) => connection.disconnect
)

/**
 * Starts a request for the enclosing scope: until it closes, every read of
 * this fiber goes to the master (read-your-writes). Fiber-local.
 *
 * @since 0.1.0
 * @category requests
 */
export const startRequest: Effect.Effect<void, never, Scope.Scope> = Request.startRequest

/**
 * Runs an effect as a request: every read inside goes to the master.
 *
 * @since 0.1.0
 * @category requests
 */
export const inRequest: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> = Request.inRequest

/**
 * Runs an effect as a causal scope: every read inside sees every write
 * acknowledged earlier in the scope, served by a slave that has applied them
 * when one has (see `Consistency.causal`).
 *
 * @since 0.2.0
 * @category consistency
 */
export const causal: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> = Consistency.causal

/**
 * Starts a causal scope for the enclosing `Scope` (see `Consistency.startCausal`).
 *
 * @since 0.2.0
 * @category consistency
 */
export const startCausal: Effect.Effect<void, never, Scope.Scope> = Consistency.startCausal

/**
 * Bounds the staleness of every read of an effect (see `Consistency.withMaxStaleness`).
 *
 * @since 0.2.0
 * @category consistency
 */
export const withMaxStaleness = Consistency.withMaxStaleness
