/**
 * The oracle: raw `mongodb` clients straight on every node — not through
 * the fault proxies, so they see each node as it is, not as the injector
 * dresses it up (the injector's log says when a proxy was faulted). It
 * probes every node every few tens of milliseconds, and writes a clock
 * marker on the master that each slave's probe reads back: how far behind
 * each slave is, measured without the library.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { type Collection, MongoClient } from "mongodb"
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
  /** Every probe so far, of every node. */
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
export const clientFor = (uri: string, settings: OracleSettings): MongoClient =>
  new MongoClient(uri, {
    directConnection: true,
    serverSelectionTimeoutMS: settings.probeTimeoutMillis,
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
    private readonly settings: OracleSettings
  ) {
    this.client = clientFor(uri, settings)
  }
  marks(): Collection<Marker> {
    return this.client.db(markerNamespace.database).collection<Marker>(markerNamespace.collection)
  }
  failed(error: unknown): void {
    if (this.replacing || !(error instanceof Error) || !closedForGood.has(error.name)) return
    this.replacing = true
    const old = this.client
    this.client = clientFor(this.uri, this.settings)
    void old.close(true).finally(() => {
      this.replacing = false
    })
  }
  close(): Promise<void> {
    return this.client.close(true)
  }
}

/**
 * Starts the oracle for as long as the scope lives: one prober per node
 * (`-1` the master) and the marker writer.
 *
 * @since 0.2.0
 */
export const start = (
  masterUri: string,
  slaveUris: ReadonlyArray<string>,
  settings: OracleSettings
): Effect.Effect<Oracle, never, Scope.Scope> =>
  Effect.gen(function* () {
    const probes: Array<Probe> = []
    const markers = { acked: 0, failed: 0 }
    const nodes = [{ id: -1, uri: masterUri }, ...slaveUris.map((uri, id) => ({ id, uri }))]
    const clients = yield* Effect.forEach(nodes, ({ id, uri }) =>
      Effect.acquireRelease(
        Effect.sync(() => ({ id, client: new Reconnecting(uri, settings) })),
        ({ client }) => Effect.promise(() => client.close())
      )
    )
    const writer = yield* Effect.acquireRelease(
      Effect.sync(() => new Reconnecting(masterUri, settings)),
      (client) => Effect.promise(() => client.close())
    )

    const probe = (id: number, client: Reconnecting) =>
      Effect.suspend(() => {
        const start = performance.now()
        return Effect.tryPromise(() => client.marks().findOne({ _id: markerId })).pipe(
          Effect.timeout(settings.probeTimeoutMillis),
          Effect.either,
          Effect.flatMap((result) =>
            Effect.sync(() => {
              const end = performance.now()
              if (result._tag === "Right") {
                probes.push({ node: id, start, end, ok: true, marker: result.right?.t })
              } else {
                client.failed(causeOf(result.left))
                probes.push({ node: id, start, end, ok: false })
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
    for (const { id, client } of clients) {
      yield* Effect.forkScoped(Effect.repeat(probe(id, client), Schedule.fixed(settings.probeIntervalMillis)))
    }
    return { probes, markers }
  })
