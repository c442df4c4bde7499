/**
 * The slaves: read-only nodes that serve reads. Each is reached with its own
 * client, with a direct connection when its URI names one host (so a read
 * reaches that node and no other), and with timeouts matched to the read
 * attempt timeout, so a dead slave can never stall a read for the driver's
 * 30-second default.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { MongoClient, type MongoClientOptions } from "mongodb"
import { ConfigError } from "./Errors.js"
import { AnyObject, DurationInput, decodeOptions, positiveMillis } from "./internal/options.js"
import * as Uri from "./internal/uri.js"
import { Node } from "./Node.js"

// the slave clients' socket timeout (at least): twice the default readTimeout
const backstopSocketTimeoutMillis = 10_000

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** One connection string per slave, plain or `Redacted` (since 0.2.0); at least one. */
  readonly uris: ReadonlyArray<string | Redacted.Redacted<string>>
  /**
   * How long one read may wait for one slave before moving on to the next
   * (longer while the slave answers other calls, up to the read's
   * `readTimeout`). Also each slave client's connect and server-selection
   * timeout; its socket timeout, a backstop, is the larger of 10 seconds and
   * twice this. Default 2 seconds.
   */
  readonly attemptTimeout?: Duration.DurationInput
  /**
   * How often the library probes each slave (its answer, its latency, the
   * heartbeat it shows); a slave in trouble is probed at once. Default 1 second.
   */
  readonly healthCheckInterval?: Duration.DurationInput
  /** More options for every slave's `MongoClient`. */
  readonly clientOptions?: MongoClientOptions
}

const OptionsSchema = Schema.Struct({
  uris: Schema.Array(Schema.Unknown),
  attemptTimeout: Schema.optional(DurationInput),
  healthCheckInterval: Schema.optional(DurationInput),
  clientOptions: Schema.optional(AnyObject)
})

/**
 * The slaves as a service.
 *
 * @since 0.1.0
 * @category models
 */
export interface Slaves {
  readonly nodes: readonly [Node, ...Array<Node>]
  readonly attemptTimeoutMillis: number
  readonly healthCheckIntervalMillis: number
}

/**
 * @since 0.1.0
 * @category tags
 */
export const Slaves: Context.Tag<Slaves, Slaves> = Context.GenericTag<Slaves>("@mongo-master-slave/core/Slaves")

/**
 * Creates the slave clients for as long as the scope lives. No slave is
 * contacted here: a slave that is down does not fail the layer, reads fail
 * over. Fails with `ConfigError` for no slave, a bad URI, the same node twice
 * or a bad option.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  input: ReadonlyArray<string | Redacted.Redacted<string>> | Options
): Effect.Effect<Slaves, ConfigError, Scope.Scope> =>
  Effect.gen(function* () {
    const options = yield* decodeOptions(OptionsSchema, "slaves", Array.isArray(input) ? { uris: input } : input)
    if (options.uris.length === 0) {
      return yield* new ConfigError({ setting: "slaves", reason: "at least one slave is needed to spread reads over" })
    }
    const attemptTimeout = yield* positiveMillis("slaves.attemptTimeout", options.attemptTimeout ?? "2 seconds")
    const healthCheckInterval = yield* positiveMillis(
      "slaves.healthCheckInterval",
      options.healthCheckInterval ?? "1 second"
    )
    const parsed: Array<Uri.ParsedUri> = []
    for (const [i, uri] of options.uris.entries()) {
      const result = Uri.parse(`slaves[${i}]`, uri)
      if (result instanceof ConfigError) return yield* result
      const twin = parsed.findIndex((other) => sameNode(other, result))
      if (twin !== -1) {
        return yield* new ConfigError({
          setting: `slaves[${i}]`,
          reason: `${result.redacted} names the same node as slaves[${twin}]`
        })
      }
      parsed.push(result)
    }
    const nodes = yield* Effect.forEach(parsed, (uri, i) => {
      const makeClient = () =>
        new MongoClient(uri.uri, {
          ...(uri.hosts.length === 1 && !uri.isSrv ? { directConnection: true } : {}),
          readPreference: "secondaryPreferred",
          // the library fails over to another slave itself; a driver retry
          // would wait for this slave for a whole attempt timeout first
          retryReads: false,
          serverSelectionTimeoutMS: attemptTimeout,
          connectTimeoutMS: attemptTimeout,
          // The library bounds every call itself (its attempt timeout, extended
          // up to the read's budget while the slave is alive, then aborted): the
          // socket timeout is only a backstop for what it does not await (a
          // client being closed), longer than any call the library lets run
          // with the default readTimeout, so it never kills one
          socketTimeoutMS: Math.max(backstopSocketTimeoutMillis, 2 * attemptTimeout),
          // the library's prober checks every slave each healthCheckInterval: the
          // driver's own monitor (a hello and a round-trip check per beat, a few
          // milliseconds of CPU a second per client at 1 s) keeps its default pace
          heartbeatFrequencyMS: Math.max(healthCheckInterval, 10_000),
          ...(options.clientOptions as MongoClientOptions | undefined)
        })
      return Effect.acquireRelease(
        Effect.try({
          try: () => {
            const node = new Node("slave", i, uri.hosts.join(","), uri.redacted, makeClient())
            node.makeClient = makeClient
            return node
          },
          catch: (cause) => new ConfigError({ setting: `slaves[${i}]`, reason: (cause as Error).message })
        }),
        // the node's client of the moment: it may have been replaced since
        (node) =>
          Effect.suspend(() => {
            node.closed = true
            return Effect.promise(() => node.client.close())
          })
      )
    })
    return {
      nodes: nodes as unknown as readonly [Node, ...Array<Node>],
      attemptTimeoutMillis: attemptTimeout,
      healthCheckIntervalMillis: healthCheckInterval
    }
  })

/**
 * Two URIs name the same node when they name the same set of hosts, however
 * each host is written: `localhost`, `127.0.0.1` and `[::1]` are one, and
 * so are the spellings of an address (since 0.2.0).
 *
 * @since 0.1.0
 * @category utils
 */
export const sameNode = (a: { readonly hosts: ReadonlyArray<string> }, b: { readonly hosts: ReadonlyArray<string> }) =>
  Uri.nodeKey(a.hosts) === Uri.nodeKey(b.hosts)

/**
 * The slaves as a layer: their clients are closed when the layer's scope
 * closes.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: ReadonlyArray<string | Redacted.Redacted<string>> | Options
): Layer.Layer<Slaves, ConfigError> => Layer.scoped(Slaves, make(options))
