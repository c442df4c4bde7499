import * as Net from "node:net"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { ClusterError } from "../Cluster.js"

/** The loopback address every part of the test cluster listens on. */
export const host = "127.0.0.1"

/**
 * Free loopback ports, all held open together while they are picked so the
 * same port is never handed out twice.
 */
export const freePorts = (count: number): Effect.Effect<ReadonlyArray<number>, ClusterError> =>
  Effect.async<ReadonlyArray<number>, ClusterError>((resume) => {
    const servers: Array<Net.Server> = []
    const ports: Array<number> = []
    const done = (result: Effect.Effect<ReadonlyArray<number>, ClusterError>) => {
      let open = servers.length
      if (open === 0) return resume(result)
      for (const server of servers) server.close(() => --open === 0 && resume(result))
    }
    const next = () => {
      if (ports.length === count) return done(Effect.succeed(ports))
      const server = Net.createServer()
      servers.push(server)
      server.once("error", (cause) =>
        done(Effect.fail(new ClusterError({ operation: "pick ports", reason: cause.message, cause })))
      )
      server.listen(0, host, () => {
        ports.push((server.address() as Net.AddressInfo).port)
        next()
      })
    }
    next()
  })

/** Whether something accepts TCP connections on the loopback port. */
export const isListening = (port: number): Effect.Effect<boolean> =>
  Effect.async<boolean>((resume) => {
    const socket = Net.connect({ host, port })
    const finish = (listening: boolean) => {
      socket.destroy()
      resume(Effect.succeed(listening))
    }
    socket.once("connect", () => finish(true))
    socket.once("error", () => finish(false))
  })

/** Polls until the port accepts connections, or fails after `timeout`. */
export const waitUntilListening = (
  name: string,
  port: number,
  timeout: Duration.DurationInput,
  describe: () => string
): Effect.Effect<void, ClusterError> =>
  isListening(port).pipe(
    Effect.filterOrFail(
      (listening) => listening,
      () => new ClusterError({ operation: `start ${name}`, reason: "not listening yet" })
    ),
    Effect.retry(Schedule.spaced("10 millis").pipe(Schedule.upTo(timeout))),
    Effect.mapError(
      () =>
        new ClusterError({
          operation: `start ${name}`,
          reason: `nothing listened on ${host}:${port} within ${Duration.format(timeout)}; ${describe()}`
        })
    ),
    Effect.asVoid
  )
