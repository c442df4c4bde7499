/**
 * A TCP proxy in front of any node whose behaviour can be switched while it
 * runs: pass traffic through, add latency, swallow everything (a blackhole),
 * or reset every connection.
 *
 * @since 0.1.0
 */
import * as Net from "node:net"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { ClusterError } from "./Cluster.js"
import { host } from "./internal/net.js"

/**
 * What the proxy does with traffic.
 *
 * - `Pass`: forwards both ways.
 * - `Latency`: holds every reply from the node for `millis` before passing it on.
 * - `Blackhole`: accepts connections and data and never answers: the nastiest
 *   failure, a node that hangs.
 * - `Reset`: closes every connection at once, as a node that refuses.
 *
 * @since 0.1.0
 * @category models
 */
export type Mode = Data.TaggedEnum<{
  Pass: {}
  Latency: { readonly millis: number }
  Blackhole: {}
  Reset: {}
}>

/**
 * @since 0.1.0
 * @category constructors
 */
export const Mode = Data.taggedEnum<Mode>()

/**
 * @since 0.1.0
 * @category models
 */
export interface FaultProxy {
  readonly port: number
  /** A URI that reaches the proxied node through the proxy with a direct connection. */
  readonly uri: string
  readonly mode: Effect.Effect<Mode>
  /** Switches the mode; connections that carried a now-broken conversation are closed. */
  readonly setMode: (mode: Mode) => Effect.Effect<void>
  /** How many client connections are open through the proxy. */
  readonly connections: Effect.Effect<number>
}

/**
 * @since 0.1.0
 * @category tags
 */
export const FaultProxy: Context.Tag<FaultProxy, FaultProxy> = Context.GenericTag<FaultProxy>(
  "@mongo-master-slave/testkit/FaultProxy"
)

/**
 * Where the proxy forwards to.
 *
 * @since 0.1.0
 * @category models
 */
export interface Target {
  readonly host: string
  readonly port: number
}

/**
 * The host and port of a `mongodb://` URI naming one host.
 *
 * @since 0.1.0
 * @category constructors
 */
export const targetOf = (uri: string): Target => {
  const url = new URL(uri)
  return { host: url.hostname, port: Number(url.port || 27017) }
}

interface Link {
  readonly client: Net.Socket
  readonly server: Net.Socket
  /** Set once the link has dropped data: it can never carry a valid conversation again. */
  corrupted: boolean
}

/**
 * Starts a proxy on a free loopback port, in `Pass` mode, for as long as the
 * scope lives.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (target: Target): Effect.Effect<FaultProxy, ClusterError, Scope.Scope> =>
  Effect.gen(function* () {
    let mode: Mode = Mode.Pass()
    const links = new Set<Link>()

    const drop = (link: Link) => {
      links.delete(link)
      link.client.destroy()
      link.server.destroy()
    }

    const reset = (link: Link) => {
      links.delete(link)
      link.client.resetAndDestroy()
      link.server.destroy()
    }

    const relay = (link: Link, from: Net.Socket, to: Net.Socket, isReply: boolean) => {
      from.on("data", (chunk: Buffer) => {
        const current = mode
        switch (current._tag) {
          case "Pass":
            if (!to.destroyed) to.write(chunk)
            return
          case "Latency":
            if (!isReply) {
              if (!to.destroyed) to.write(chunk)
              return
            }
            // timers of the same delay fire in order, so replies keep their order
            setTimeout(() => !to.destroyed && to.write(chunk), current.millis)
            return
          case "Blackhole":
            link.corrupted = true
            return
          case "Reset":
            reset(link)
            return
        }
      })
      from.on("close", () => drop(link))
      from.on("error", () => drop(link))
    }

    const server = Net.createServer((client) => {
      if (mode._tag === "Reset") {
        client.resetAndDestroy()
        return
      }
      client.pause()
      const upstream = Net.connect({ host: target.host, port: target.port })
      const link: Link = { client, server: upstream, corrupted: false }
      links.add(link)
      relay(link, client, upstream, false)
      relay(link, upstream, client, true)
      upstream.once("connect", () => client.resume())
    })

    const port = yield* Effect.acquireRelease(
      Effect.async<number, ClusterError>((resume) => {
        server.once("error", (cause) =>
          resume(Effect.fail(new ClusterError({ operation: "start the fault proxy", reason: cause.message, cause })))
        )
        server.listen(0, host, () => resume(Effect.succeed((server.address() as Net.AddressInfo).port)))
      }),
      () =>
        Effect.async<void>((resume) => {
          for (const link of links) drop(link)
          server.close(() => resume(Effect.void))
        })
    )

    const setMode = (next: Mode) =>
      Effect.sync(() => {
        mode = next
        for (const link of links) {
          if (next._tag === "Reset") reset(link)
          // a link that swallowed bytes has lost its place in the protocol
          else if (next._tag !== "Blackhole" && link.corrupted) drop(link)
        }
      })

    return {
      port,
      uri: `mongodb://${host}:${port}/?directConnection=true`,
      mode: Effect.sync(() => mode),
      setMode,
      connections: Effect.sync(() => links.size)
    } satisfies FaultProxy
  })

/**
 * The proxy as a service, for as long as the layer lives.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (target: Target): Layer.Layer<FaultProxy, ClusterError> => Layer.scoped(FaultProxy, make(target))
