import * as Effect from "effect/Effect"
import {
  BSON,
  MongoBulkWriteError,
  MongoClientClosedError,
  MongoCompatibilityError,
  MongoInvalidArgumentError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError
} from "mongodb"
import {
  ConnectionError,
  CursorNotFound,
  InvalidOption,
  type NodeRef,
  NodeUnavailable,
  OperationTimeout,
  ServerError,
  type UnavailableKind,
  WriteError
} from "../Errors.js"
import { masterConnectionId } from "../Node.js"
import { abandoned, CallSignal } from "./abort.js"
import { asyncCancelable } from "./asyncCancelable.js"

// Server codes that mean "this node cannot serve now" rather than "this request is wrong"
// (the driver's retryable-read codes).
const unavailableCodes = new Set([6, 7, 89, 91, 134, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436])

// Socket errors the driver sometimes lets through unwrapped, e.g. EPIPE ("This
// socket has been ended by the other party") when it writes to a connection
// the node has just closed.
const socketErrorCodes = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_SOCKET_CLOSED",
  "ERR_STREAM_DESTROYED",
  "ERR_STREAM_WRITE_AFTER_END"
])

// the socket error code of an error or of any of its causes
const socketCode = (error: unknown, depth = 0): string | undefined => {
  if (!(error instanceof Error) || depth > 8) return undefined
  const code = (error as { code?: unknown }).code
  if (typeof code === "string" && socketErrorCodes.has(code)) return code
  return socketCode(error.cause, depth + 1)
}

const isSocketError = (error: unknown): boolean => socketCode(error) !== undefined

const refusedCodes = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENETDOWN", "ENOTFOUND", "EAI_AGAIN"])

/**
 * How an unavailable node failed: refused (nothing there), reset (a broken
 * connection), timeout (no answer) or not-serving (it said so).
 */
export const unavailableKind = (error: unknown): UnavailableKind => {
  // a socket error first, even wrapped in a server error (a bulk write's)
  const code = socketCode(error)
  if (code !== undefined) return refusedCodes.has(code) ? "refused" : code === "ETIMEDOUT" ? "timeout" : "reset"
  if (error instanceof MongoServerError) return "not-serving"
  if (error instanceof MongoServerSelectionError) {
    // selection gave up on a server it could not reach: say why, if the driver said
    return /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN/.test(error.message) ? "refused" : "timeout"
  }
  if (error instanceof Error && /timed out/i.test(error.message)) return "timeout"
  return "reset"
}

/** Whether a driver error means the node is unavailable, so a read may move on to another node. */
export const isUnavailable = (error: unknown): boolean => {
  if (error instanceof MongoNetworkError || error instanceof MongoServerSelectionError) return true
  if (isSocketError(error)) return true
  // a first connection that failed leaves the client's topology closed until it reconnects
  if (error instanceof MongoTopologyClosedError) return true
  if (
    error instanceof Error &&
    (error.name === "MongoPoolClosedError" || error.name === "MongoWaitQueueTimeoutError")
  ) {
    return true
  }
  if (error instanceof MongoServerError) {
    return (
      (typeof error.code === "number" && unavailableCodes.has(error.code)) ||
      /not master|node is recovering/i.test(error.message)
    )
  }
  return false
}

/** What an operation was, for errors and spans. */
export interface Operation {
  /** The command's name, e.g. `find`, `insert`, `createIndexes`. */
  readonly name: string
  readonly database: string
  readonly collection?: string | undefined
  /** `database.collection`, or the database alone. */
  readonly namespace: string
  readonly write: boolean
}

/** An operation on a collection. */
export const collectionOperation = (name: string, database: string, collection: string, write: boolean): Operation => ({
  name,
  database,
  collection,
  namespace: `${database}.${collection}`,
  write
})

/** The operations of one collection, each made once. */
export const collectionOperations = (database: string, collection: string) => {
  const made = new Map<string, Operation>()
  return (name: string, write: boolean): Operation => {
    const key = write ? `w:${name}` : name
    let operation = made.get(key)
    if (operation === undefined) {
      operation = collectionOperation(name, database, collection, write)
      made.set(key, operation)
    }
    return operation
  }
}

/** An operation on a database (a command, ...). */
export const databaseOperation = (name: string, database: string, write: boolean): Operation => ({
  name,
  database,
  namespace: database,
  write
})

/** The errors a read's driver call fails with. */
export type ReadCallError =
  | ConnectionError
  | NodeUnavailable
  | CursorNotFound
  | ServerError
  | OperationTimeout
  | InvalidOption

/** The errors a write's driver call fails with. */
export type WriteCallError =
  | ConnectionError
  | NodeUnavailable
  | WriteError
  | ServerError
  | OperationTimeout
  | InvalidOption

// The option a driver's refusal of its arguments is about, from its message.
const refusedOptions: ReadonlyArray<readonly [RegExp, string]> = [
  [/^update document/i, "update"],
  [/^replacement document/i, "replacement"],
  [/"explain"/, "options.explain"],
  [/sort/i, "options.sort"],
  [/read ?preference/i, "options.readPreference"],
  [/read ?concern/i, "options.readConcern"],
  [/collation/i, "options.collation"],
  [/projection/i, "options.projection"],
  [/\bhint\b/i, "options.hint"]
]

/**
 * What the driver throws when it refuses its arguments before sending
 * anything — a sort direction or read preference it does not know, a value
 * BSON cannot hold, a document too large — as an `InvalidOption` naming the
 * option when the message says which.
 */
const argumentError = (operation: Operation, error: unknown): InvalidOption | undefined => {
  const refused =
    error instanceof MongoInvalidArgumentError ||
    error instanceof MongoCompatibilityError ||
    BSON.BSONError.isBSONError(error) ||
    // the serializer recursing through a value nested too deep for the stack
    (error instanceof RangeError && /call stack/i.test(error.message)) ||
    // the driver using a value as what it is not (a number as a document, ...)
    error instanceof TypeError
  if (!refused) return undefined
  const message = (error as Error).message
  const option = refusedOptions.find(([pattern]) => pattern.test(message))?.[1] ?? "arguments"
  return new InvalidOption({
    option,
    reason: `the driver refused them for ${operation.name} on ${operation.namespace}: ${message}`
  })
}

const serverCode = (error: MongoServerError): number | undefined =>
  typeof error.code === "number" ? error.code : undefined

const common = (node: NodeRef, error: unknown): ConnectionError | NodeUnavailable | undefined => {
  if (error instanceof MongoNotConnectedError || error instanceof MongoClientClosedError) {
    // closed by disconnect, or a slave client replaced because it had stopped talking
    const replaced = node as { readonly closed?: boolean; readonly makeClient?: unknown }
    return replaced.closed === false && replaced.makeClient !== undefined
      ? new NodeUnavailable({
          node,
          reason: "its client was replaced after it stopped answering: the call was given up",
          kind: "reset",
          cause: error
        })
      : new ConnectionError({
          address: node.address,
          reason: "the connection was closed (disconnect)",
          cause: error
        })
  }
  if (isUnavailable(error)) {
    return new NodeUnavailable({
      node,
      reason: (error as Error).message,
      kind: unavailableKind(error),
      cause: error
    })
  }
  return undefined
}

const serverError = (node: NodeRef, operation: Operation, error: unknown) =>
  new ServerError({
    node,
    operation: `${operation.name} on ${operation.namespace}`,
    code: error instanceof MongoServerError ? serverCode(error) : undefined,
    reason: error instanceof Error ? error.message : String(error),
    cause: error
  })

/** Maps what the driver throws during a read to this library's typed errors. */
export const mapReadError = (node: NodeRef, operation: Operation, error: unknown, cursorId?: bigint): ReadCallError => {
  const known = common(node, error) ?? argumentError(operation, error)
  if (known !== undefined) return known
  if (error instanceof MongoServerError && error.code === 43) {
    return new CursorNotFound({ cursorId: cursorId ?? 0n, node })
  }
  return serverError(node, operation, error)
}

const networkMessage =
  /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|connection \d+ to .* (closed|timed out)|socket/i

/** Maps what the driver throws during a write or command to this library's typed errors. */
export const mapWriteError = (node: NodeRef, operation: Operation, error: unknown): WriteCallError => {
  const known = common(node, error) ?? argumentError(operation, error)
  if (known !== undefined) return known
  if (error instanceof MongoBulkWriteError) {
    const first = Array.isArray(error.writeErrors) ? error.writeErrors[0] : error.writeErrors
    // the driver's own failure (a connection reset, ...) wrapped as a bulk error: no write was refused
    if (first === undefined && serverCode(error) === undefined && networkMessage.test(error.message)) {
      const kind = /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH/.test(error.message)
        ? "refused"
        : /timed out|ETIMEDOUT/i.test(error.message)
          ? "timeout"
          : "reset"
      return new NodeUnavailable({ node, reason: error.message, kind, cause: error })
    }
    return new WriteError({
      namespace: operation.namespace,
      code: first?.code ?? serverCode(error) ?? 0,
      reason: first?.errmsg ?? error.message,
      index: first?.index,
      cause: error
    })
  }
  if (operation.write && error instanceof MongoServerError) {
    return new WriteError({
      namespace: operation.namespace,
      code: serverCode(error) ?? 0,
      reason: error.errmsg ?? error.message,
      keyValue: error.keyValue,
      cause: error
    })
  }
  return serverError(node, operation, error)
}

/**
 * The budgets an operation can run out of: one slave attempt's
 * (`attemptTimeout`: the read moves on to the next slave), a whole read's
 * across its attempts (`readTimeout`), a master operation's
 * (`operationTimeout`).
 */
export type Budget = "attemptTimeout" | "readTimeout" | "operationTimeout" | "slaveShare"

/**
 * A time limit: the moment (on the `performance.now()` clock) by which the
 * call must have answered, and the budget it comes from, for the error.
 */
export interface Deadline {
  readonly at: number
  readonly timeoutMillis: number
  readonly budget: Budget
  /**
   * For a slave attempt: when it runs out while the node is plainly alive
   * (it answers other calls), the call is slow, not the node dead — it goes
   * on to this later deadline (the read's own) rather than being given up.
   */
  readonly extend?: Extension | undefined
  /** Told of the life of each call under this deadline (a slave's attempt: its health). */
  readonly calls?: CallObserver | undefined
}

/** What a call under a deadline tells of its life (see `call`). */
export interface CallObserver {
  readonly started: () => void
  /**
   * The call ended, in any way; `unanswered` when the node gave no answer (it
   * timed out, the connection failed, the call was given up; an error the
   * server sent is an answer, which the router records itself).
   */
  readonly ended: (unanswered: boolean) => void
  /** The call, interrupted and lingering, answered after all: the node is alive, though nobody waits any more. */
  readonly answeredLate: () => void
}

/** A later deadline an attempt may go on to, and when it may. */
export interface Extension {
  readonly deadline: Deadline
  /** When the attempt began (`performance.now()`). */
  readonly since: number
  /** Whether the node is alive: it answered something since `since`. */
  readonly alive: (since: number) => boolean
  /** Told when the attempt goes on past its own deadline. */
  readonly onExtend: () => void
}

/** The deadline of a budget starting now. */
export const deadlineIn = (timeoutMillis: number, budget: Budget): Deadline => ({
  at: performance.now() + timeoutMillis,
  timeoutMillis,
  budget
})

/** Whichever of two deadlines comes first. */
export const earliest = (a: Deadline, b: Deadline | undefined): Deadline => (b === undefined || a.at <= b.at ? a : b)

// what the driver last reported of the node, if it reported a failure: the
// likely reason it did not answer
const lastErrorOf = (node: NodeRef): string => {
  const lastError = (node as { readonly lastError?: string | undefined }).lastError
  return lastError === undefined ? "" : `; the driver last reported: ${lastError}`
}

// Why the driver cannot reach the node right now, if it knows: the error of
// a server it currently describes as Unknown (refused, reset, timed out, ...).
// A call that waited for such a server all its attempt timeout waited on
// server selection, not on an answer.
const currentFailure = (node: NodeRef): Error | undefined => {
  const client = (node as { readonly client?: unknown }).client as
    | { readonly topology?: { readonly description?: { readonly servers?: Map<string, unknown> } } }
    | undefined
  const servers = client?.topology?.description?.servers
  if (servers === undefined) return undefined
  for (const server of servers.values()) {
    const { type, error } = server as { readonly type?: string; readonly error?: unknown }
    if (type === "Unknown" && error instanceof Error) return error
  }
  return undefined
}

const kindWords: Record<UnavailableKind, string> = {
  refused: "refused",
  reset: "its connection was reset or closed",
  timeout: "no answer",
  "not-serving": "it cannot serve now",
  down: "down"
}

const timedOut = (node: NodeRef, operation: Operation, deadline: Deadline): NodeUnavailable | OperationTimeout => {
  if (deadline.budget === "slaveShare") {
    return new NodeUnavailable({
      node,
      reason: `no answer within the slaves' share of the read's budget (${deadline.timeoutMillis} ms), the rest being the master's${lastErrorOf(node)}`,
      kind: "timeout"
    })
  }
  if (deadline.budget !== "attemptTimeout") {
    return new OperationTimeout({
      operation: `${operation.name} on ${operation.namespace}`,
      budget: deadline.budget,
      millis: deadline.timeoutMillis,
      node,
      write: operation.write
    })
  }
  const failure = currentFailure(node)
  if (failure !== undefined) {
    const kind = unavailableKind(failure)
    return new NodeUnavailable({
      node,
      reason: `${kindWords[kind]}: ${failure.message} (the driver could not reach it within the attempt timeout, ${deadline.timeoutMillis} ms)`,
      kind,
      cause: failure
    })
  }
  return new NodeUnavailable({
    node,
    reason: `no answer within the attempt timeout (${deadline.timeoutMillis} ms)${lastErrorOf(node)}`,
    kind: "timeout"
  })
}

// A master operation the driver failed before sending it is sent again, as
// the driver's retryable writes would (FerretDB and standalone servers have
// none), still within the operation's deadline: a few, in case the pool is
// cleared again meanwhile.
const maxResends = 3

/**
 * Whether the driver failed an operation before any of it reached the node:
 * it was waiting for a connection when the pool was cleared (the node's
 * monitor saw it fail). Sending it again cannot apply it twice.
 */
export const wasNeverSent = (error: unknown): boolean =>
  // the driver does not export the class; its subclass PoolClearedOnNetworkError
  // (a connection in use interrupted) may have sent it, and is not this
  error instanceof MongoNetworkError && error.name === "MongoPoolClearedError"

/**
 * Runs one driver call within a deadline. The call gets an `AbortSignal`:
 * when the deadline passes, the effect fails at once (a `NodeUnavailable`
 * for an attempt, an `OperationTimeout` for a whole operation's budget) and
 * the signal aborts the driver's work, which closes the connection it was
 * using rather than leave it waiting for an answer; interruption does the
 * same — after `lingerMillis`, if given: a call interrupted because another
 * answered first (a hedge) usually answers a moment later, and then its
 * connection goes back to the pool instead of being closed and opened again.
 * `onAbandon` (closing a cursor, ...) runs whenever the call is aborted.
 */
const call = <A, E>(
  node: NodeRef,
  operation: Operation,
  f: (signal: AbortSignal) => Promise<A>,
  mapError: (error: unknown) => E,
  deadline: Deadline,
  onAbandon?: (() => void) | undefined,
  lingerMillis = 0
): Effect.Effect<A, E | NodeUnavailable | OperationTimeout> =>
  asyncCancelable<A, E | NodeUnavailable | OperationTimeout>((resume) => {
    const signal = new CallSignal()
    let settled = false
    // the call's end, once, however it ends
    const end = (unanswered: boolean) => {
      settled = true
      deadline.calls?.ended(unanswered)
    }
    // interrupted, the call may still answer for a while: its answer is dropped
    let lingering = false
    const abandon = () => {
      signal.abort(abandoned())
      onAbandon?.()
    }
    let current = deadline
    const expire = () => {
      if (settled) return
      const extension = current.extend
      if (extension !== undefined && extension.deadline.at > performance.now() && extension.alive(extension.since)) {
        current = extension.deadline
        extension.onExtend()
        timer = setTimeout(expire, Math.max(0, current.at - performance.now()))
        return
      }
      end(true)
      abandon()
      resume(Effect.fail(timedOut(node, operation, current)))
    }
    let timer = setTimeout(expire, Math.max(0, deadline.at - performance.now()))
    deadline.calls?.started()
    let resends = 0
    const start = (): void => {
      let promise: Promise<A>
      try {
        promise = f(signal.asSignal)
      } catch (error) {
        // a driver method that throws rather than rejects (bad arguments)
        end(false)
        clearTimeout(timer)
        resume(Effect.fail(mapError(error)))
        return
      }
      promise.then(
        (value) => {
          if (settled) {
            if (lingering && !signal.aborted) {
              clearTimeout(timer)
              deadline.calls?.answeredLate()
            }
            return
          }
          end(false)
          clearTimeout(timer)
          resume(Effect.succeed(value))
        },
        (error) => {
          if (settled) {
            if (lingering) clearTimeout(timer)
            return
          }
          if (node.connectionId === masterConnectionId && resends < maxResends && wasNeverSent(error)) {
            resends++
            return start()
          }
          end(true)
          clearTimeout(timer)
          resume(Effect.fail(mapError(error)))
        }
      )
    }
    start()
    // interrupted: the call is given up, now or after its linger
    return () => {
      if (settled) return
      end(true)
      clearTimeout(timer)
      const linger = Math.min(lingerMillis, current.at - performance.now())
      if (linger <= 0) return abandon()
      lingering = true
      timer = setTimeout(abandon, linger)
    }
  })

/** Runs a driver call of a read within its deadline (see `call`). */
export const readCall = <A>(
  node: NodeRef,
  operation: Operation,
  f: (signal: AbortSignal) => Promise<A>,
  options: {
    readonly deadline: Deadline
    readonly cursorId?: bigint | undefined
    readonly onAbandon?: (() => void) | undefined
    /** How long the call may go on once interrupted, before it is aborted (see `call`). */
    readonly lingerMillis?: number | undefined
  }
): Effect.Effect<A, ReadCallError> =>
  call(
    node,
    operation,
    f,
    (error) => mapReadError(node, operation, error, options.cursorId),
    options.deadline,
    options.onAbandon,
    options.lingerMillis
  )

/**
 * Runs a driver call of a write or a command within its deadline. A write
 * given up (deadline, interruption) may already have reached the master:
 * aborting does not undo it, and its `OperationTimeout` says so.
 */
export const writeCall = <A>(
  node: NodeRef,
  operation: Operation,
  f: (signal: AbortSignal) => Promise<A>,
  deadline: Deadline
): Effect.Effect<A, WriteCallError> =>
  call(node, operation, f, (error) => mapWriteError(node, operation, error), deadline)

/** Runs a driver call of a command that neither reads through a cursor nor writes documents. */
export const commandCall = <A>(
  node: NodeRef,
  operation: Operation,
  f: (signal: AbortSignal) => Promise<A>,
  deadline: Deadline
): Effect.Effect<A, ConnectionError | NodeUnavailable | ServerError | OperationTimeout | InvalidOption> =>
  call(
    node,
    operation,
    f,
    (error) => common(node, error) ?? argumentError(operation, error) ?? serverError(node, operation, error),
    deadline
  )
