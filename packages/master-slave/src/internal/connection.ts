import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import { NodeInspectSymbol } from "effect/Inspectable"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { Long } from "mongodb"
import type { CursorRef } from "../Cursor.js"
import { type Database, isDatabase } from "../Database.js"
import * as Doc from "../Document.js"
import { ConfigError, InvalidName, InvalidOption, showValue } from "../Errors.js"
import { Master } from "../Master.js"
import type { MasterSlaveConnection, Options } from "../MasterSlaveConnection.js"
import * as Name from "../Name.js"
import type { Node } from "../Node.js"
import * as ReadStrategy from "../ReadStrategy.js"
import * as Request from "../Request.js"
import { Slaves } from "../Slaves.js"
import * as WriteConcern from "../WriteConcern.js"
import * as DatabaseImpl from "./database.js"
import { collectionOperation, commandCall, databaseOperation, deadlineIn } from "./driver.js"
import * as Health from "./health.js"
import * as Heartbeat from "./heartbeat.js"
import * as Monitor from "./monitor.js"
import { ensureConnected } from "./node.js"
import { DurationInput, decodeOptions, nonNegativeMillis, positiveMillis } from "./options.js"
import * as Router from "./router.js"
import * as Uri from "./uri.js"
import * as Validate from "./validate.js"

export const TypeId: unique symbol = Symbol.for("@mongo-master-slave/core/MasterSlaveConnection")

const isReadStrategy = (u: unknown): u is ReadStrategy.ReadStrategy =>
  typeof u === "object" && u !== null && typeof (u as ReadStrategy.ReadStrategy).order === "function"

const OptionsSchema = Schema.Struct({
  documentSchema: Schema.optional(
    Schema.declare((u: unknown): u is Doc.DocumentSchema<unknown, unknown> => Schema.isSchema(u), {
      identifier: "Schema"
    })
  ),
  tzAware: Schema.optional(Schema.Boolean),
  readStrategy: Schema.optional(Schema.declare(isReadStrategy, { identifier: "ReadStrategy" })),
  fallbackToMaster: Schema.optional(Schema.Boolean),
  maxStaleness: Schema.optional(DurationInput),
  readTimeout: Schema.optional(DurationInput),
  hedge: Schema.optional(
    Schema.Union(
      Schema.Boolean,
      Schema.Struct({
        delay: Schema.optional(Schema.Union(Schema.Literal("p95"), DurationInput)),
        maxShare: Schema.optional(
          Schema.Number.pipe(Schema.greaterThan(0), Schema.lessThanOrEqualTo(1)).annotations({
            message: () => "expected a share of reads above 0 and at most 1, such as 0.1"
          })
        )
      })
    )
  ),
  causalWait: Schema.optional(DurationInput),
  heartbeat: Schema.optional(
    Schema.Union(
      Schema.Literal(false),
      Schema.Struct({
        database: Schema.optional(Schema.String),
        collection: Schema.optional(Schema.String),
        interval: Schema.optional(DurationInput)
      })
    )
  )
})

/** Where the heartbeat lives unless the options say otherwise. */
export const defaultHeartbeatNamespace = { database: "mongo_master_slave", collection: "heartbeats" } as const

// Without a staleness bound to keep, a heartbeat a second is enough to show
// how far behind each slave is; with one, four heartbeats (and probes) per
// bound keep a slave that keeps up well inside it.
const heartbeatIntervalFor = (maxStalenessMillis: number | undefined): number =>
  maxStalenessMillis === undefined ? 1_000 : Math.min(1_000, Math.max(50, maxStalenessMillis / 4))

const heartbeatSettings = (
  input: (typeof OptionsSchema.Type)["heartbeat"],
  maxStalenessMillis: number | undefined
): Effect.Effect<Omit<Heartbeat.HeartbeatOptions, "timeoutMillis"> | undefined, ConfigError> =>
  Effect.gen(function* () {
    if (input === false) return undefined
    const database = yield* Name.databaseName(input?.database ?? defaultHeartbeatNamespace.database).pipe(
      Effect.mapError((error) => new ConfigError({ setting: "options.heartbeat.database", reason: error.message }))
    )
    const collection = yield* Name.collectionName(input?.collection ?? defaultHeartbeatNamespace.collection).pipe(
      Effect.mapError((error) => new ConfigError({ setting: "options.heartbeat.collection", reason: error.message }))
    )
    const intervalMillis =
      input?.interval === undefined
        ? heartbeatIntervalFor(maxStalenessMillis)
        : yield* positiveMillis("options.heartbeat.interval", input.interval)
    return { database, collection, intervalMillis }
  })

const hedgeSettings = (
  input: (typeof OptionsSchema.Type)["hedge"]
): Effect.Effect<Router.HedgeOptions | undefined, ConfigError> =>
  Effect.gen(function* () {
    if (input === undefined || input === false) return undefined
    const settings = input === true ? {} : input
    const delayMillis =
      settings.delay === undefined || settings.delay === "p95"
        ? undefined
        : yield* positiveMillis("options.hedge.delay", settings.delay)
    return { delayMillis, maxShare: settings.maxShare ?? 0.1 }
  })

// the node an address names, however its hosts are written (localhost is 127.0.0.1)
const hostsOf = (node: Node) => Uri.nodeKey(node.address.split(","))

class Connection implements MasterSlaveConnection {
  readonly [TypeId] = TypeId
  constructor(
    readonly master: Node,
    readonly slaves: readonly [Node, ...Array<Node>],
    readonly tzAware: boolean,
    readonly readStrategy: ReadStrategy.ReadStrategy,
    readonly fallbackToMaster: boolean,
    readonly attemptTimeoutMillis: number,
    private readonly router: Router.Router,
    private readonly health: Health.Health,
    private readonly defaultSchema: Ref.Ref<Doc.DocumentSchema<unknown, unknown>>,
    private readonly control: WriteConcern.Control
  ) {}

  get safe() {
    return this.control.safe
  }
  setSafe = (safe: boolean) => this.control.setSafe(safe)
  get getLastErrorOptions() {
    return this.control.getLastErrorOptions
  }
  setLastErrorOptions = (options: typeof WriteConcern.LastErrorOptions.Encoded) =>
    this.control.setLastErrorOptions(options)
  unsetLastErrorOptions = (...names: ReadonlyArray<WriteConcern.OptionName>) =>
    this.control.unsetLastErrorOptions(...names)
  get state() {
    return this.control.state
  }

  get documentSchema() {
    return Ref.get(this.defaultSchema)
  }
  setDocumentSchema = <A, I>(schema: Doc.DocumentSchema<A, I>): Effect.Effect<void, InvalidOption> =>
    Effect.suspend(() => {
      const problem = Validate.schema(schema)
      return problem === undefined
        ? Ref.set(this.defaultSchema, schema as unknown as Doc.DocumentSchema<unknown, unknown>)
        : Effect.fail(problem)
    })

  get slaveStatus() {
    return this.health.statuses
  }

  database = (name: string): Effect.Effect<Database, InvalidName> =>
    Effect.gen(this, function* () {
      const valid = yield* Name.databaseName(name)
      return yield* DatabaseImpl.make(
        { router: this.router, tzAware: this.tzAware, defaultSchema: this.defaultSchema, connection: this },
        valid,
        yield* this.control.state
      )
    })

  get databaseNames() {
    const operation = databaseOperation("listDatabases", "admin", false)
    return this.router
      .onMaster(operation, (node, deadline) =>
        commandCall(
          node,
          operation,
          (signal) =>
            node.client
              .db("admin")
              .admin()
              .listDatabases({ nameOnly: true, signal } as object),
          deadline
        )
      )
      .pipe(Effect.map((result) => result.databases.map((database) => database.name).sort()))
  }

  dropDatabase = (nameOrDatabase: string | Database) =>
    Effect.gen(this, function* () {
      if (typeof nameOrDatabase !== "string" && !isDatabase(nameOrDatabase)) {
        return yield* new InvalidName({
          kind: "database",
          value: nameOrDatabase,
          reason: "expected the name of a database or a Database"
        })
      }
      const name = yield* Name.databaseName(typeof nameOrDatabase === "string" ? nameOrDatabase : nameOrDatabase.name)
      const operation = databaseOperation("dropDatabase", name, false)
      yield* this.router.onMaster(operation, (node, deadline) =>
        commandCall(
          node,
          operation,
          (signal) => node.client.db(name).command({ dropDatabase: 1 }, { signal }),
          deadline
        )
      )
    })

  closeCursor = (cursor: CursorRef) =>
    Effect.gen(this, function* () {
      if (typeof cursor !== "object" || cursor === null) {
        return yield* new InvalidOption({
          option: "cursor",
          reason: `expected { cursorId, connectionId, namespace } (a Cursor will do), got ${showValue(cursor)}`
        })
      }
      const { cursorId, connectionId, namespace } = cursor
      if (typeof cursorId !== "bigint" || cursorId <= 0n) {
        return yield* new InvalidOption({
          option: "cursorId",
          reason: `expected a positive bigint such as 123n, got ${showValue(cursorId)}`
        })
      }
      const node = !Number.isInteger(connectionId)
        ? undefined
        : connectionId === -1
          ? this.master
          : Object.hasOwn(this.slaves, connectionId)
            ? this.slaves[connectionId]
            : undefined
      if (node === undefined) {
        return yield* new InvalidOption({
          option: "connectionId",
          reason: `expected -1 (the master) or a slave from 0 to ${this.slaves.length - 1}, got ${showValue(connectionId)}`
        })
      }
      const dot = typeof namespace === "string" ? namespace.indexOf(".") : -1
      const [database, collection] = dot <= 0 ? ["", ""] : [namespace.slice(0, dot), namespace.slice(dot + 1)]
      const problem =
        dot <= 0 || collection === ""
          ? "expected"
          : Either.isLeft(Schema.decodeUnknownEither(Name.DatabaseName)(database))
            ? "a valid database name in"
            : Either.isLeft(Schema.decodeUnknownEither(Name.CollectionName)(collection))
              ? "a valid collection name in"
              : undefined
      if (problem !== undefined) {
        return yield* new InvalidOption({
          option: "namespace",
          reason: `${problem} "database.collection", got ${showValue(namespace)}`
        })
      }
      const operation = collectionOperation("killCursors", database, collection, false)
      yield* this.router.onNode(node, operation, (n, deadline) =>
        commandCall(
          n,
          operation,
          (signal) =>
            n.client
              .db(database)
              .command({ killCursors: collection, cursors: [Long.fromBigInt(cursorId)] }, { signal }),
          deadline
        )
      )
    })

  get disconnect() {
    return this.router.close
  }

  get startRequest() {
    return Request.startRequest
  }
  inRequest<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> {
    return Request.inRequest(self)
  }

  [Equal.symbol](that: Equal.Equal): boolean {
    return (
      that instanceof Connection &&
      Equal.equals(this.master, that.master) &&
      this.slaves.length === that.slaves.length &&
      this.slaves.every((slave, i) => Equal.equals(slave, that.slaves[i]))
    )
  }

  [Hash.symbol](): number {
    return Hash.cached(this, Hash.array([this.master, ...this.slaves]))
  }

  toJSON(): unknown {
    return {
      _id: "MasterSlaveConnection",
      master: this.master.toJSON(),
      slaves: this.slaves.map((slave) => slave.toJSON()),
      readStrategy: this.readStrategy.name,
      tzAware: this.tzAware
    }
  }

  toString(): string {
    return `MasterSlaveConnection(${this.master}, [${this.slaves.join(", ")}])`
  }

  [NodeInspectSymbol](): unknown {
    return this.toJSON()
  }
}

export const make = (
  input: Options = {}
): Effect.Effect<MasterSlaveConnection, ConfigError, Master | Slaves | Scope.Scope> =>
  Effect.gen(function* () {
    const options = yield* decodeOptions(OptionsSchema, "options", input)
    const master = yield* Master
    const slaves = yield* Slaves
    for (const slave of slaves.nodes) {
      if (hostsOf(slave) === hostsOf(master.node)) {
        return yield* new ConfigError({
          setting: `slaves[${slave.connectionId}]`,
          reason: `${slave.uri} names the master's node (${master.node.uri}); a slave must be another node`
        })
      }
    }
    const health = Health.make(slaves.nodes)
    const readStrategy = options.readStrategy ?? ReadStrategy.random
    const maxStalenessMillis =
      options.maxStaleness === undefined
        ? undefined
        : yield* positiveMillis("options.maxStaleness", options.maxStaleness)
    const causalWaitMillis = yield* nonNegativeMillis("options.causalWait", options.causalWait ?? "500 millis")
    const readTimeoutMillis = yield* positiveMillis("options.readTimeout", options.readTimeout ?? "5 seconds")
    const hedge = yield* hedgeSettings(options.hedge)
    const heartbeatOptions = yield* heartbeatSettings(options.heartbeat, maxStalenessMillis)
    // the heartbeat and the prober stop when the connection is closed; the
    // clients close last, after the heartbeat has removed its document
    let router: Router.Router | undefined
    const isClosed = () => router?.isClosed() ?? false
    yield* Effect.addFinalizer(() => router?.close ?? Effect.void)
    const heartbeat =
      heartbeatOptions === undefined
        ? undefined
        : yield* Heartbeat.start(
            master.node,
            {
              ...heartbeatOptions,
              timeoutMillis: Math.min(master.operationTimeoutMillis, slaves.attemptTimeoutMillis)
            },
            isClosed
          )
    const monitor = yield* Monitor.start({
      slaves: slaves.nodes,
      health,
      heartbeat,
      probeIntervalMillis: Math.min(
        slaves.healthCheckIntervalMillis,
        heartbeatOptions?.intervalMillis ?? slaves.healthCheckIntervalMillis
      ),
      attemptTimeoutMillis: slaves.attemptTimeoutMillis,
      isClosed
    })
    router = Router.make({
      master: master.node,
      slaves: slaves.nodes,
      attemptTimeoutMillis: slaves.attemptTimeoutMillis,
      operationTimeoutMillis: master.operationTimeoutMillis,
      readTimeoutMillis,
      strategy: readStrategy,
      fallbackToMaster: options.fallbackToMaster ?? false,
      health,
      maxStalenessMillis,
      causalWaitMillis,
      heartbeat,
      monitor,
      hedge
    })
    // connect the slaves in the background: pools warm up, heartbeats start
    yield* Effect.forkScoped(
      Effect.forEach(
        slaves.nodes,
        (slave) =>
          Effect.catchAll(ensureConnected(slave, deadlineIn(slaves.attemptTimeoutMillis, "attemptTimeout")), () =>
            health.failed(slave.connectionId)
          ),
        {
          concurrency: "unbounded",
          discard: true
        }
      )
    )
    const control = yield* WriteConcern.makeControl(master.writeConcern)
    const defaultSchema = yield* Ref.make(
      (options.documentSchema ?? Doc.Document) as Doc.DocumentSchema<unknown, unknown>
    )
    return new Connection(
      master.node,
      slaves.nodes,
      options.tzAware ?? false,
      readStrategy,
      options.fallbackToMaster ?? false,
      slaves.attemptTimeoutMillis,
      router,
      health,
      defaultSchema,
      control
    )
  })
