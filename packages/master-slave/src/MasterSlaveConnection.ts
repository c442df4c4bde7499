/**
 * The master/slave connection: every write goes to the master; reads are
 * spread over the slaves and fail over from slave to slave until one answers;
 * inside a request every read goes to the master. The successor of PyMongo's
 * `MasterSlaveConnection`, as an Effect service.
 *
 * @since 0.1.0
 */
import * as Config from "effect/Config"
import * as ConfigErrorEffect from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Equal from "effect/Equal"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
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
  type OperationError,
  showValue
} from "./Errors.js"
import * as internal from "./internal/connection.js"
import * as Uri from "./internal/uri.js"
import { walkProblem } from "./internal/validate.js"
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
   * attempt is interrupted (its connection closed unless it answers within
   * 100 ms). `delay` is `"p95"` (the default: that slave's 95th-percentile
   * latency, so a few reads in a hundred hedge while every slave is healthy)
   * or a fixed duration; `maxShare` (default 0.1) caps the extra attempts at
   * that share of reads. A hedge away from a slave that has begun to hang
   * (suspect, see `SlaveStatus.slow`) is failover and is not counted.
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
 * Everything `layerConfig` builds the connection from: the master's and the
 * slaves' connection strings, kept `Redacted`, their settings, and the
 * connection's {@link Options}.
 *
 * @since 0.2.0
 * @category config
 */
export interface ConfigOptions extends Options {
  readonly masterUri: Redacted.Redacted<string>
  readonly slaveUris: ReadonlyArray<Redacted.Redacted<string>>
  /** See `Master.Options`. */
  readonly connectTimeout?: Duration.DurationInput
  /** See `Master.Options`. */
  readonly operationTimeout?: Duration.DurationInput
  /** See `Slaves.Options`. */
  readonly attemptTimeout?: Duration.DurationInput
  /** See `Slaves.Options`. */
  readonly healthCheckInterval?: Duration.DurationInput
}

/**
 * Splits a list of connection strings given as one string, as an
 * environment variable holds them: separated by commas, spaces or both. A
 * comma inside a URI (between the hosts of a replica set) stays: a new URI
 * starts only where `mongodb://` or `mongodb+srv://` does.
 *
 * @since 0.2.0
 * @category config
 */
export const splitUris = (value: string): ReadonlyArray<string> =>
  value
    .split(/[\s,]+(?=mongodb(?:\+srv)?:\/\/)/i)
    .map((uri) => uri.replace(/^[\s,]+|[\s,]+$/g, ""))
    .filter((uri) => uri.length > 0)

/**
 * A list of connection strings from one configuration value (see
 * {@link splitUris}), each kept `Redacted`. A part with a space inside is
 * refused: the URIs were not split where the user meant.
 *
 * @since 0.2.0
 * @category config
 */
export const urisConfig = (name: string): Config.Config<ReadonlyArray<Redacted.Redacted<string>>> =>
  Config.redacted().pipe(
    Config.mapOrFail((value) => {
      const uris = splitUris(Redacted.value(value))
      const spaced = uris.find((uri) => /\s/.test(uri))
      if (uris.length === 0) {
        return Either.left(
          ConfigErrorEffect.InvalidData([], "names no connection string: give one or more mongodb:// URIs")
        )
      }
      if (spaced !== undefined) {
        return Either.left(
          ConfigErrorEffect.InvalidData(
            [],
            `a part has a space inside (${JSON.stringify(Uri.redact(spaced))}): separate the URIs with commas or spaces, each starting with mongodb:// or mongodb+srv://`
          )
        )
      }
      return Either.right(uris.map((uri) => Redacted.make(uri)))
    }),
    Config.nested(name)
  )

/**
 * A duration from one configuration value, such as `"500 millis"` or `"2
 * seconds"`; refused with the expected format (a bare `500` has no unit).
 *
 * @since 0.2.0
 * @category config
 */
export const durationConfig = (name: string): Config.Config<Duration.Duration> =>
  Config.string().pipe(
    Config.mapOrFail((text) =>
      Option.match(Duration.decodeUnknown(text.trim() as Duration.DurationInput), {
        onNone: () =>
          Either.left(
            ConfigErrorEffect.InvalidData(
              [],
              `expected a duration with its unit, such as "500 millis" or "2 seconds", got ${JSON.stringify(text)}`
            )
          ),
        onSome: (duration) => Either.right(duration)
      })
    ),
    Config.nested(name)
  )

const optional = <A>(config: Config.Config<A>) => Config.map(Config.option(config), Option.getOrUndefined)

// only the settings that were given: an option left out keeps its default
const defined = <A extends object>(settings: A): { [K in keyof A]?: Exclude<A[K], undefined> } =>
  Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as {
    [K in keyof A]?: Exclude<A[K], undefined>
  }

/**
 * The connection's settings from the environment, the ready-made
 * configuration `layerConfig()` reads:
 *
 * - `MSC_MASTER_URI` (required): the master's connection string.
 * - `MSC_SLAVE_URIS` (required): the slaves' connection strings, separated
 *   by commas, spaces or both.
 * - `MSC_ATTEMPT_TIMEOUT`: how long a read waits for one slave (`"2 seconds"`).
 * - `MSC_CONNECT_TIMEOUT`: how long to wait for the master (`"10 seconds"`).
 * - `MSC_READ_STRATEGY`: `random`, `round-robin`, `ordered` or `lowest-latency`.
 * - `MSC_TZ_AWARE`, `MSC_FALLBACK_TO_MASTER`: `true` or `false`.
 * - `MSC_MAX_STALENESS`: the connection's staleness bound (`"500 millis"`).
 *
 * Durations need their unit (`"500 millis"`, not `500`). The URIs stay
 * `Redacted`.
 *
 * @since 0.2.0
 * @category config
 */
export const configFromEnv: Config.Config<ConfigOptions> = Config.all({
  masterUri: Config.redacted("MSC_MASTER_URI"),
  slaveUris: urisConfig("MSC_SLAVE_URIS"),
  attemptTimeout: optional(durationConfig("MSC_ATTEMPT_TIMEOUT")),
  connectTimeout: optional(durationConfig("MSC_CONNECT_TIMEOUT")),
  readStrategy: optional(
    Config.literal(
      "random",
      "round-robin",
      "ordered",
      "lowest-latency"
    )("MSC_READ_STRATEGY").pipe(Config.map((name) => strategies[name]!()))
  ),
  maxStaleness: optional(durationConfig("MSC_MAX_STALENESS")),
  tzAware: Config.withDefault(Config.boolean("MSC_TZ_AWARE"), false),
  fallbackToMaster: Config.withDefault(Config.boolean("MSC_FALLBACK_TO_MASTER"), false)
}).pipe(Config.map((settings) => defined(settings) as ConfigOptions))

/**
 * The configuration of 0.1.0's name: {@link configFromEnv}.
 *
 * @since 0.1.0
 * @category config
 * @deprecated since 0.2.0: use `configFromEnv`.
 */
export const config: Config.Config<ConfigOptions> = configFromEnv

// Every problem of the configuration, under the settings it is about.
const fromConfigError = (error: ConfigErrorEffect.ConfigError): ConfigError => {
  const problems: Array<{ readonly path: ReadonlyArray<string>; readonly message: string }> = []
  const collect = (e: ConfigErrorEffect.ConfigError): void => {
    switch (e._op) {
      case "And":
      case "Or":
        collect(e.left)
        collect(e.right)
        return
      case "MissingData":
        // Effect hides the message of a missing Redacted setting: say it here
        problems.push({ path: e.path, message: "missing: it must be set" })
        return
      default:
        problems.push({ path: e.path, message: e.message })
    }
  }
  collect(error)
  const settings = [...new Set(problems.map((problem) => problem.path.join(".") || "configuration"))]
  return new ConfigError({
    setting: settings.join(", "),
    reason: problems.map((problem) => problem.message).join("; ")
  })
}

// A wrapped configuration holds a Config at every leaf: a plain value where a
// Config belongs (a URI as a string, say) would send Config.unwrap round in circles.
const wrapProblem = (wrapped: unknown, path: ReadonlyArray<string>): ConfigError | undefined => {
  if (Config.isConfig(wrapped)) return undefined
  const setting = path.length === 0 ? "layerConfig" : path.join(".")
  if (typeof wrapped !== "object" || wrapped === null || Array.isArray(wrapped)) {
    return new ConfigError({
      setting,
      reason: `expected a Config (such as Config.redacted("MY_URI") or Config.succeed(value)), or an object of them, got ${showValue(wrapped)}`
    })
  }
  const entries = Object.entries(wrapped)
  if (entries.length === 0) {
    return new ConfigError({ setting, reason: "expected a Config, or an object of them, got an empty object" })
  }
  for (const [key, value] of entries) {
    const problem = wrapProblem(value, [...path, key])
    if (problem !== undefined) return problem
  }
  for (const required of path.length === 0 ? ["masterUri", "slaveUris"] : []) {
    if (!(required in wrapped)) {
      return new ConfigError({
        setting: required,
        reason: `missing: layerConfig needs ${required === "masterUri" ? "the master's connection string" : "the slaves' connection strings"}`
      })
    }
  }
  return undefined
}

/**
 * The whole connection — master, slaves and connection — from a
 * configuration, as `@effect/sql`'s clients take one: every setting of
 * {@link ConfigOptions} as a `Config` of its own (`Config.redacted("DB_URI")`,
 * `Config.succeed(schema)`, ...), or one `Config` of them all. Without an
 * argument it reads the `MSC_*` environment variables ({@link configFromEnv});
 * to add what the environment cannot carry, such as a document schema, map
 * that: `layerConfig(Config.map(configFromEnv, (c) => ({ ...c, documentSchema })))`.
 * A missing or malformed setting is a `ConfigError` naming it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config.Wrap<ConfigOptions> = configFromEnv
): Layer.Layer<MasterSlaveConnection, ConfigError | ConnectionError> =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const tooDeep = walkProblem(config)
      if (tooDeep !== undefined) return yield* new ConfigError({ setting: "layerConfig", reason: tooDeep })
      const problem = wrapProblem(config, [])
      if (problem !== undefined) return yield* problem
      const settings = yield* Effect.suspend(() => Config.unwrap(config)).pipe(Effect.mapError(fromConfigError))
      const {
        masterUri,
        slaveUris,
        connectTimeout,
        operationTimeout,
        attemptTimeout,
        healthCheckInterval,
        ...options
      } = settings
      const master = Master.layer({ uri: masterUri, ...defined({ connectTimeout, operationTimeout }) })
      const slaves = Slaves.layer({ uris: slaveUris, ...defined({ attemptTimeout, healthCheckInterval }) })
      return layer(options).pipe(Layer.provide(Layer.merge(master, slaves)))
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
