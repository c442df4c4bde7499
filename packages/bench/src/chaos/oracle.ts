/**
 * The oracle: raw `mongodb` clients straight on every node — not through
 * the fault proxies, so they see each node as it is, not as the injector
 * dresses it up (the injector's log says when a proxy was faulted). It
 * probes every node every few tens of milliseconds, and writes a clock
 * marker on the master that each slave's probe reads back: how far behind
 * each slave is, measured without the library.
 *
 * A second set of raw clients goes through the proxies, the library's path,
 * set up as the library sets up its own (the same timeouts and heartbeat):
 * when the library cannot reach a node that answers directly, these tell
 * whether the driver, configured alike, gets through the proxy (the library
 * is at fault) or not (the proxy, or the driver itself, is).
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { type Collection, MongoClient, type MongoClientOptions } from "mongodb"
import type { OracleSettings } from "./config.js"
import type { Probe } from "./timeline.js"

/**
 * Where the marker lives (created before the slaves start).
 *
 * @since 0.2.0
 */
export const markerNamespace = { database: "msc_chaos", collection: "marks" } as const

interface Marker {
  _id: string
  t: number
}

const markerId = "clock"

/**
 * The oracle's record of the run.
 *
 * @since 0.2.0
 */
export interface Oracle {
  /** Every probe so far, of every node, straight and through the proxies. */
  readonly probes: ReadonlyArray<Probe>
  /** Marker writes the master acknowledged, and those that failed. */
  readonly markers: { readonly acked: number; readonly failed: number }
}

/**
 * A raw client on one node for the oracle: short timeouts, so a probe of a
 * dead node fails fast.
 *
 * @since 0.2.0
 */
export const clientFor = (uri: string, timeoutMillis: number): MongoClient =>
  new MongoClient(uri, {
    directConnection: true,
    serverSelectionTimeoutMS: timeoutMillis,
    connectTimeoutMS: 1_000,
    socketTimeoutMS: 2_000,
    heartbeatFrequencyMS: 500,
    maxPoolSize: 4,
    retryReads: false,
    retryWrites: false
  })

// Errors after which the driver does not reconnect a client by itself.
const closedForGood = new Set(["MongoTopologyClosedError", "MongoNotConnectedError", "MongoClientClosedError"])

// what the driver threw, out of Effect's UnknownException
const causeOf = (error: unknown): unknown =>
  typeof error === "object" && error !== null && "error" in error ? (error as { error: unknown }).error : error

/**
 * A client that is replaced when the driver has given it up.
 */
class Reconnecting {
  private client: MongoClient
  private replacing = false
  constructor(
    private readonly uri: string,
    private readonly make: (uri: string) => MongoClient
  ) {
    this.client = make(uri)
  }
  marks(): Collection<Marker> {
    return this.client.db(markerNamespace.database).collection<Marker>(markerNamespace.collection)
  }
  failed(error: unknown): void {
    if (this.replacing || !(error instanceof Error) || !closedForGood.has(error.name)) return
    this.replacing = true
    const old = this.client
    this.client = this.make(this.uri)
    void old.close(true).finally(() => {
      this.replacing = false
    })
  }
  close(): Promise<void> {
    return this.client.close(true)
  }
}

/**
 * Where the oracle reaches each node: straight, and through its proxy.
 *
 * @since 0.2.0
 */
export interface Endpoints {
  readonly direct: { readonly master: string; readonly slaves: ReadonlyArray<string> }
  readonly proxied: { readonly master: string; readonly slaves: ReadonlyArray<string> }
  /** The options of the clients through the proxies: the library's own, for the master and for a slave. */
  readonly proxiedOptions: { readonly master: MongoClientOptions; readonly slave: MongoClientOptions }
}

/**
 * Starts the oracle for as long as the scope lives: one prober per node
 * (`-1` the master) straight on it, one through its proxy, and the marker
 * writer.
 *
 * @since 0.2.0
 */
export const start = (endpoints: Endpoints, settings: OracleSettings): Effect.Effect<Oracle, never, Scope.Scope> =>
  Effect.gen(function* () {
    const probes: Array<Probe> = []
    const markers = { acked: 0, failed: 0 }
    const nodesOf = (uris: Endpoints["direct"]) => [
      { id: -1, uri: uris.master },
      ...uris.slaves.map((uri, id) => ({ id, uri }))
    ]
    const open = (uri: string, make: (uri: string) => MongoClient) =>
      Effect.acquireRelease(
        Effect.sync(() => new Reconnecting(uri, make)),
        (client) => Effect.promise(() => client.close())
      )
    const straight = (uri: string) => clientFor(uri, settings.probeTimeoutMillis)
    const direct = yield* Effect.forEach(nodesOf(endpoints.direct), ({ id, uri }) =>
      Effect.map(open(uri, straight), (client) => ({ id, client }))
    )
    const proxied = yield* Effect.forEach(nodesOf(endpoints.proxied), ({ id, uri }) => {
      // the oracle gives up on a probe (Effect.timeout) without aborting it: a
      // socket timeout frees the connection a probe of a hanging node holds
      const options = {
        ...(id === -1 ? endpoints.proxiedOptions.master : endpoints.proxiedOptions.slave),
        socketTimeoutMS: settings.pathProbeTimeoutMillis
      }
      return Effect.map(
        open(uri, (u) => new MongoClient(u, options)),
        (client) => ({ id, client })
      )
    })
    const writer = yield* open(endpoints.direct.master, straight)

    const probe = (id: number, client: Reconnecting, via: "direct" | "proxy") =>
      Effect.suspend(() => {
        const start = performance.now()
        return Effect.tryPromise(() => client.marks().findOne({ _id: markerId })).pipe(
          Effect.timeout(via === "direct" ? settings.probeTimeoutMillis : settings.pathProbeTimeoutMillis),
          Effect.either,
          Effect.flatMap((result) =>
            Effect.sync(() => {
              const end = performance.now()
              const proxy = via === "proxy" ? { via } : {}
              if (result._tag === "Right") {
                probes.push({ node: id, start, end, ok: true, marker: result.right?.t, ...proxy })
              } else {
                client.failed(causeOf(result.left))
                probes.push({ node: id, start, end, ok: false, ...proxy })
              }
            })
          )
        )
      })

    const write = Effect.suspend(() => {
      const t = performance.now()
      return Effect.tryPromise(() =>
        writer.marks().updateOne({ _id: markerId }, { $set: { t } }, { upsert: true })
      ).pipe(
        Effect.timeout(settings.probeTimeoutMillis * 4),
        Effect.either,
        Effect.flatMap((result) =>
          Effect.sync(() => {
            if (result._tag === "Right") {
              markers.acked++
            } else {
              markers.failed++
              writer.failed(causeOf(result.left))
            }
          })
        )
      )
    })

    // the marker exists before the first probe reads it
    yield* write
    yield* Effect.forkScoped(Effect.repeat(write, Schedule.fixed(settings.markerIntervalMillis)))
    for (const { id, client } of direct) {
      yield* Effect.forkScoped(Effect.repeat(probe(id, client, "direct"), Schedule.fixed(settings.probeIntervalMillis)))
    }
    for (const { id, client } of proxied) {
      yield* Effect.forkScoped(
        Effect.repeat(probe(id, client, "proxy"), Schedule.fixed(settings.pathProbeIntervalMillis))
      )
    }
    return { probes, markers }
  })
