import { randomBytes } from "node:crypto"
import * as Http from "node:http"
import type * as Net from "node:net"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import { type Cluster, ClusterError, type ClusterFailure, NotSupported, ReplicationTimeout } from "../Cluster.js"
import { host } from "./net.js"

/**
 * How a process reaches a cluster that another process runs: its URIs and,
 * for a local cluster, the control endpoint.
 */
export interface ClusterInfo {
  readonly kind: "local" | "external"
  readonly masterUri: string
  readonly slaveUris: ReadonlyArray<string>
  readonly control?: { readonly url: string; readonly token: string }
}

type Request =
  | { readonly op: "stopSlave" | "startSlave" | "pauseReplication" | "resumeReplication"; readonly index: number }
  | { readonly op: "waitForReplication"; readonly timeoutMillis?: number }

type Reply = { readonly ok: true } | { readonly ok: false; readonly error: Record<string, unknown> & { _tag: string } }

const perform = (cluster: Cluster, request: Request): Effect.Effect<void, ClusterFailure> => {
  switch (request.op) {
    case "waitForReplication":
      return cluster.waitForReplication(
        request.timeoutMillis === undefined ? {} : { timeout: `${request.timeoutMillis} millis` }
      )
    default:
      return cluster[request.op](request.index)
  }
}

const encodeError = (error: ClusterFailure): Reply => {
  switch (error._tag) {
    case "ClusterError":
      return { ok: false, error: { _tag: error._tag, operation: error.operation, reason: error.reason } }
    case "NotSupported":
      return { ok: false, error: { _tag: error._tag, operation: error.operation } }
    case "ReplicationTimeout":
      return { ok: false, error: { _tag: error._tag, slaves: error.slaves, timeout: error.timeout } }
  }
}

const decodeError = (error: Record<string, unknown>): ClusterFailure => {
  switch (error._tag) {
    case "NotSupported":
      return new NotSupported({ operation: String(error.operation) })
    case "ReplicationTimeout":
      return new ReplicationTimeout({ slaves: error.slaves as ReadonlyArray<number>, timeout: String(error.timeout) })
    default:
      return new ClusterError({ operation: String(error.operation), reason: String(error.reason) })
  }
}

/**
 * Serves a cluster's controls over HTTP on a loopback port, guarded by a
 * random token, for as long as the scope lives.
 */
export const serve = (cluster: Cluster): Effect.Effect<ClusterInfo, ClusterError, Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<never>()
    const token = randomBytes(16).toString("hex")
    const server = Http.createServer((req, res) => {
      const chunks: Array<Buffer> = []
      req.on("data", (chunk: Buffer) => chunks.push(chunk))
      req.on("end", () => {
        const reply = (status: number, body: Reply) => {
          res.writeHead(status, { "content-type": "application/json" })
          res.end(JSON.stringify(body))
        }
        if (req.headers.authorization !== `Bearer ${token}`) {
          return reply(403, { ok: false, error: { _tag: "ClusterError", operation: "control", reason: "bad token" } })
        }
        let request: Request
        try {
          request = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Request
        } catch {
          return reply(400, { ok: false, error: { _tag: "ClusterError", operation: "control", reason: "bad request" } })
        }
        Runtime.runPromiseExit(runtime)(perform(cluster, request)).then((exit) =>
          Exit.match(exit, {
            onSuccess: () => reply(200, { ok: true }),
            onFailure: (cause) => {
              const failure = cause._tag === "Fail" ? cause.error : undefined
              reply(
                500,
                failure === undefined
                  ? { ok: false, error: { _tag: "ClusterError", operation: request.op, reason: String(cause) } }
                  : encodeError(failure)
              )
            }
          })
        )
      })
    })
    const port = yield* Effect.acquireRelease(
      Effect.async<number, ClusterError>((resume) => {
        server.once("error", (cause) =>
          resume(
            Effect.fail(new ClusterError({ operation: "serve the cluster controls", reason: cause.message, cause }))
          )
        )
        server.listen(0, host, () => resume(Effect.succeed((server.address() as Net.AddressInfo).port)))
      }),
      () =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    return {
      kind: cluster.kind,
      masterUri: cluster.masterUri,
      slaveUris: cluster.slaveUris,
      control: { url: `http://${host}:${port}`, token }
    }
  })

/**
 * A cluster whose controls are served by another process.
 */
export const remote = (info: ClusterInfo & { readonly control: NonNullable<ClusterInfo["control"]> }): Cluster => {
  const call = (request: Request): Effect.Effect<void, ClusterFailure> =>
    Effect.tryPromise({
      try: async (signal) => {
        const response = await fetch(info.control.url, {
          method: "POST",
          headers: { authorization: `Bearer ${info.control.token}`, "content-type": "application/json" },
          body: JSON.stringify(request),
          signal
        })
        return (await response.json()) as Reply
      },
      catch: (cause) =>
        new ClusterError({
          operation: request.op,
          reason: `the cluster controls did not answer: ${String(cause)}`,
          cause
        })
    }).pipe(Effect.flatMap((reply) => (reply.ok ? Effect.void : Effect.fail(decodeError(reply.error)))))
  return {
    kind: info.kind,
    masterUri: info.masterUri,
    slaveUris: info.slaveUris,
    stopSlave: (index) => call({ op: "stopSlave", index }),
    startSlave: (index) => call({ op: "startSlave", index }),
    pauseReplication: (index) => call({ op: "pauseReplication", index }),
    resumeReplication: (index) => call({ op: "resumeReplication", index }),
    waitForReplication: (options = {}) =>
      call(
        options.timeout === undefined
          ? { op: "waitForReplication" }
          : { op: "waitForReplication", timeoutMillis: Duration.toMillis(options.timeout) }
      )
  }
}
