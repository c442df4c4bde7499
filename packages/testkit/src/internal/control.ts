import { randomBytes } from "node:crypto"
import * as Http from "node:http"
import type * as Net from "node:net"
import * as Cause from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import { type Cluster, ClusterError, type ClusterFailure, NotSupported, ReplicationTimeout } from "../Cluster.js"
import type { SlaveStatus } from "../LocalCluster.js"
import { delayMillis } from "./delay.js"
import { host } from "./net.js"

/**
 * How a process reaches a cluster that another process runs: its URIs and,
 * for a local cluster, the control endpoint.
 */
export interface ClusterInfo {
  readonly kind: "local" | "external"
  readonly masterUri: string
  readonly slaveUris: ReadonlyArray<string>
  readonly control?: Control
}

/** Where a cluster's controls are served, and the token that opens them. */
export interface Control {
  readonly url: string
  readonly token: string
}

/** A cluster whose controls can be served: the local one also reports its slaves. */
export type Served = Cluster & { readonly slaveStatus?: Effect.Effect<ReadonlyArray<SlaveStatus>> }

type SlaveOp = "stopSlave" | "startSlave" | "pauseReplication" | "resumeReplication"

type Request =
  | { readonly op: SlaveOp; readonly index: number }
  | { readonly op: "setReplicationDelay"; readonly index: number; readonly millis: number }
  | { readonly op: "waitForReplication"; readonly timeoutMillis?: number }
  | { readonly op: "status" }

type Reply =
  | { readonly ok: true; readonly value?: unknown }
  | { readonly ok: false; readonly error: Record<string, unknown> & { _tag: string } }

const slaveOps: ReadonlyArray<string> = ["stopSlave", "startSlave", "pauseReplication", "resumeReplication"]

/** The request a body holds, if it is one. */
const decodeRequest = (body: unknown): Request | undefined => {
  if (typeof body !== "object" || body === null) return undefined
  const { op, index, millis, timeoutMillis } = body as Record<string, unknown>
  if (typeof op !== "string") return undefined
  if (slaveOps.includes(op)) return typeof index === "number" ? { op: op as SlaveOp, index } : undefined
  if (op === "setReplicationDelay") {
    return typeof index === "number" && typeof millis === "number" ? { op, index, millis } : undefined
  }
  if (op === "waitForReplication") {
    if (timeoutMillis === undefined) return { op }
    return typeof timeoutMillis === "number" ? { op, timeoutMillis } : undefined
  }
  return op === "status" ? { op } : undefined
}

const perform = (cluster: Served, request: Request): Effect.Effect<unknown, ClusterFailure> => {
  switch (request.op) {
    case "waitForReplication":
      return cluster.waitForReplication(
        request.timeoutMillis === undefined ? {} : { timeout: `${request.timeoutMillis} millis` }
      )
    case "setReplicationDelay":
      return cluster.setReplicationDelay(request.index, request.millis)
    case "status":
      return cluster.slaveStatus ?? Effect.fail(new NotSupported({ operation: "status" }))
    default:
      return cluster[request.op](request.index)
  }
}

/** What a request did, in a line a person reads. */
const describe = (request: Request): string | undefined => {
  switch (request.op) {
    case "stopSlave":
      return `slave ${request.index} stopped`
    case "startSlave":
      return `slave ${request.index} started`
    case "pauseReplication":
      return `slave ${request.index}: replication paused`
    case "resumeReplication":
      return `slave ${request.index}: replication resumed`
    case "setReplicationDelay":
      return request.millis === 0
        ? `slave ${request.index}: replication delay off`
        : `slave ${request.index}: replication delayed by ${request.millis} ms`
    case "waitForReplication":
      return "waited for the slaves to replicate the master"
    case "status":
      return undefined
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
 * random token, for as long as the scope lives; `report` is told what each
 * control did.
 */
export const serve = (
  cluster: Served,
  report: (line: string) => Effect.Effect<void> = () => Effect.void
): Effect.Effect<ClusterInfo, ClusterError, Scope.Scope> =>
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
        let request: Request | undefined
        try {
          request = decodeRequest(JSON.parse(Buffer.concat(chunks).toString("utf8")))
        } catch {
          request = undefined
        }
        if (request === undefined) {
          return reply(400, { ok: false, error: { _tag: "ClusterError", operation: "control", reason: "bad request" } })
        }
        const done = describe(request)
        const performed = perform(cluster, request).pipe(
          Effect.tap(() => (done === undefined ? Effect.void : report(done)))
        )
        Runtime.runPromiseExit(runtime)(performed).then((exit) =>
          Exit.match(exit, {
            onSuccess: (value) => reply(200, value === undefined ? { ok: true } : { ok: true, value }),
            onFailure: (cause) => {
              const failure = cause._tag === "Fail" ? cause.error : undefined
              reply(
                500,
                failure === undefined
                  ? { ok: false, error: { _tag: "ClusterError", operation: request.op, reason: Cause.pretty(cause) } }
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

/** Sends one request to the controls another process serves; the reply's value. */
const call = (control: Control, request: Request): Effect.Effect<unknown, ClusterFailure> =>
  Effect.tryPromise({
    try: async (signal) => {
      const response = await fetch(control.url, {
        method: "POST",
        headers: { authorization: `Bearer ${control.token}`, "content-type": "application/json" },
        body: JSON.stringify(request),
        signal
      })
      return (await response.json()) as Reply
    },
    catch: (cause) =>
      new ClusterError({
        operation: request.op,
        reason: `the cluster controls at ${control.url} did not answer (is the cluster still up?): ${String(cause)}`,
        cause
      })
  }).pipe(Effect.flatMap((reply) => (reply.ok ? Effect.succeed(reply.value) : Effect.fail(decodeError(reply.error)))))

/**
 * A cluster whose controls are served by another process.
 */
export const remote = (info: ClusterInfo & { readonly control: Control }): Cluster => {
  const send = (request: Request) => Effect.asVoid(call(info.control, request))
  return {
    kind: info.kind,
    masterUri: info.masterUri,
    slaveUris: info.slaveUris,
    stopSlave: (index) => send({ op: "stopSlave", index }),
    startSlave: (index) => send({ op: "startSlave", index }),
    pauseReplication: (index) => send({ op: "pauseReplication", index }),
    resumeReplication: (index) => send({ op: "resumeReplication", index }),
    setReplicationDelay: (index, delay) =>
      Effect.flatMap(delayMillis(`setReplicationDelay(${index})`, delay), (millis) =>
        send({ op: "setReplicationDelay", index, millis })
      ),
    waitForReplication: (options = {}) =>
      send(
        options.timeout === undefined
          ? { op: "waitForReplication" }
          : { op: "waitForReplication", timeoutMillis: Duration.toMillis(options.timeout) }
      )
  }
}

/** The slaves' state, from the controls another process serves. */
export const remoteStatus = (control: Control): Effect.Effect<ReadonlyArray<SlaveStatus>, ClusterFailure> =>
  Effect.map(call(control, { op: "status" }), (value) => value as ReadonlyArray<SlaveStatus>)

/**
 * The control endpoint as one line, the way `cluster up` writes it to its
 * env file (`MSC_CLUSTER_CONTROL`): a URL whose user part is the token.
 */
export const formatControl = (control: Control): string => {
  const url = new URL(control.url)
  url.username = control.token
  return url.href
}

/** The control endpoint of a `MSC_CLUSTER_CONTROL` line, if it is one. */
export const parseControl = (text: string): Control | undefined => {
  try {
    const url = new URL(text.trim())
    const token = decodeURIComponent(url.username)
    if (url.protocol !== "http:" || token.length === 0) return undefined
    url.username = ""
    url.password = ""
    return { url: url.href, token }
  } catch {
    return undefined
  }
}
