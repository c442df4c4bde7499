/**
 * The typed errors of mongo-master-slave. Every failure a caller can meet is
 * one of these classes, each with a message a person can act on.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * Which node an error happened on: `connectionId` -1 is the master, 0..n-1
 * the slaves (as PyMongo numbered them).
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeRef {
  readonly connectionId: number
  readonly address: string
}

const fieldName = (path: ReadonlyArray<PropertyKey>): string =>
  path.length === 0 ? "the document" : `field ${path.map(String).join(".")}`

const nodeName = (node: NodeRef): string =>
  node.connectionId === -1 ? `the master (${node.address})` : `slave ${node.connectionId} (${node.address})`

/**
 * A value as a person would write it in a message: strings quoted, other
 * values as they print, long ones cut short.
 *
 * @since 0.2.0
 * @category utils
 */
export const showValue = (value: unknown): string => {
  let shown: string
  try {
    shown =
      typeof value === "string"
        ? JSON.stringify(value)
        : typeof value === "bigint"
          ? `${value}n`
          : typeof value === "function"
            ? "a function"
            : typeof value === "symbol"
              ? value.toString()
              : Array.isArray(value)
                ? `an array of ${value.length}`
                : typeof value === "object" && value !== null && !isPlainObject(value)
                  ? withArticle(value.constructor?.name ?? "object")
                  : typeof value === "object" && value !== null
                    ? (JSON.stringify(value) ?? "an object")
                    : String(value)
  } catch {
    shown = "an object that cannot be printed (circular, or too deep)"
  }
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown
}

const withArticle = (noun: string): string => `${/^[aeiouAEIOU]/.test(noun) ? "an" : "a"} ${noun}`

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * A database or collection name that MongoDB would refuse. `value` is what
 * was given, which may not even be a string.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidName extends Data.TaggedError("InvalidName")<{
  readonly kind: "database" | "collection"
  /**
   * The name given. (Until 0.2.0 this field was called `name`, which hid
   * the error's own `name`.)
   *
   * @since 0.2.0
   */
  readonly value: unknown
  readonly reason: string
}> {
  override get message(): string {
    return `invalid ${this.kind} name ${showValue(this.value)}: ${this.reason}`
  }
}

/**
 * The connection's configuration is unusable: no slave, an unparsable URI,
 * the same node twice, an unknown or malformed option. Raised when the layer
 * is built.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConfigError extends Data.TaggedError("ConfigError")<{
  /** The setting at fault, e.g. `slaves[1]` or `options.readStrategy`. */
  readonly setting: string
  readonly reason: string
}> {
  override get message(): string {
    return `bad configuration of ${this.setting}: ${this.reason}`
  }
}

/**
 * An argument or option given to an operation is invalid: a write-concern
 * option, a cursor's connection id, a filter that is not a document, a sort
 * direction or read preference the driver refuses, a document nested deeper
 * than MongoDB allows, an option the library manages itself (`timeoutMS`,
 * `writeConcern`, `session`, `signal`). `option` names it (`filter`,
 * `options.sort`, `pipeline[2]`, ...), `reason` says what was expected and
 * what was given.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidOption extends Data.TaggedError("InvalidOption")<{
  readonly option: string
  readonly reason: string
}> {
  override get message(): string {
    return `invalid ${this.option}: ${this.reason}`
  }
}

/**
 * The master could not be reached when the layer was built, or the connection
 * was closed by `disconnect`.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConnectionError extends Data.TaggedError("ConnectionError")<{
  readonly address: string
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `cannot use ${this.address}: ${this.reason}`
  }
}

/**
 * How a node was unavailable (see {@link NodeUnavailable}).
 *
 * @since 0.2.0
 * @category models
 */
export type UnavailableKind = "refused" | "reset" | "timeout" | "not-serving" | "down"

/**
 * A node did not answer: refused or reset connections, a server-selection
 * timeout, a node shutting down or recovering, or an attempt that ran out of
 * time. On a slave, a read moves on to the next slave.
 *
 * @since 0.1.0
 * @category errors
 */
export class NodeUnavailable extends Data.TaggedError("NodeUnavailable")<{
  readonly node: NodeRef
  readonly reason: string
  /**
   * What happened: `refused` (nothing listens, the host is unreachable),
   * `reset` (a connection broke or closed mid-call), `timeout` (no answer in
   * time), `not-serving` (it answered that it cannot serve now: shutting
   * down, recovering, not a primary), `down` (known to be down, so not tried).
   *
   * @since 0.2.0
   */
  readonly kind?: UnavailableKind | undefined
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${nodeName(this.node)} is unavailable: ${this.reason}`
  }
}

const formatMillis = (millis: number): string =>
  millis < 10 ? `${millis.toFixed(1)} ms` : `${Math.round(millis).toLocaleString("en-US")} ms`

/**
 * A slave passed over by a read because it may be too far behind the
 * master: its staleness bound (how far behind it can be, measured from the
 * heartbeat) is over what the read allows, or unknown. Listed in
 * `AllSlavesUnavailable.attempts` beside the slaves that did not answer.
 *
 * @since 0.2.0
 * @category errors
 */
export class StaleSlave extends Data.TaggedError("StaleSlave")<{
  readonly node: NodeRef
  /** Its staleness bound when the read started, in milliseconds; `undefined` when unknown. */
  readonly stalenessMillis: number | undefined
  /**
   * What the read asked for: a bound in milliseconds (`maxStaleness`), or
   * `"causal"` for a read that must see its causal scope's writes.
   */
  readonly required: number | "causal"
}> {
  override get message(): string {
    const bound =
      this.stalenessMillis === undefined
        ? "its staleness is unknown (no heartbeat of this connection seen there yet)"
        : `it may be ${formatMillis(this.stalenessMillis)} behind the master`
    const asked =
      this.required === "causal"
        ? "the read must see the writes of its causal scope, which it has not shown yet"
        : `the read allows at most ${formatMillis(this.required)}`
    return `${nodeName(this.node)} is too stale: ${bound}; ${asked}`
  }
}

/**
 * No slave could serve a read. `attempts` lists every slave and why it could
 * not: unavailable (it was tried, in the order given) or too stale for the
 * read (passed over without being tried) — PyMongo's `AutoReconnect("failed
 * to connect to slaves")`.
 *
 * @since 0.1.0
 * @category errors
 */
export class AllSlavesUnavailable extends Data.TaggedError("AllSlavesUnavailable")<{
  readonly attempts: ReadonlyArray<NodeUnavailable | StaleSlave>
}> {
  override get message(): string {
    const stale = this.attempts.filter((attempt) => attempt._tag === "StaleSlave").length
    const tried = this.attempts.length - stale
    const headline =
      stale === 0
        ? `no slave answered the read (${tried} tried)`
        : tried === 0
          ? `no slave is fresh enough for the read (${stale} too stale)`
          : `no slave could serve the read (${tried} tried, ${stale} too stale)`
    return `${headline}:\n${this.attempts.map((attempt) => `  - ${attempt.message}`).join("\n")}`
  }
}

/**
 * The master refused a write: a duplicate key (code 11000), a document that
 * fails validation, a write-concern error, ... `code` is the server's.
 *
 * @since 0.1.0
 * @category errors
 */
export class WriteError extends Data.TaggedError("WriteError")<{
  readonly namespace: string
  readonly code: number
  readonly reason: string
  /** For a duplicate key, the key's value when the server reports it. */
  readonly keyValue?: Readonly<Record<string, unknown>> | undefined
  /** For a batch (insertMany, bulkWrite), the position of the failed write. */
  readonly index?: number | undefined
  readonly cause?: unknown
}> {
  override get message(): string {
    const at = this.index === undefined ? "" : ` (write #${this.index})`
    return `write to ${this.namespace} refused${at}, code ${this.code}: ${this.reason}`
  }
}

/**
 * A document read from the database does not match the schema it is decoded
 * with. `path` names the field at fault.
 *
 * @since 0.1.0
 * @category errors
 */
export class DecodeError extends Data.TaggedError("DecodeError")<{
  readonly namespace: string
  readonly path: ReadonlyArray<PropertyKey>
  readonly reason: string
}> {
  override get message(): string {
    return `a document of ${this.namespace} does not match its schema at ${fieldName(this.path)}: ${this.reason}`
  }
}

/**
 * A document to write does not match the collection's schema.
 *
 * @since 0.1.0
 * @category errors
 */
export class EncodeError extends Data.TaggedError("EncodeError")<{
  readonly namespace: string
  readonly path: ReadonlyArray<PropertyKey>
  readonly reason: string
}> {
  override get message(): string {
    return `a document for ${this.namespace} does not match its schema at ${fieldName(this.path)}: ${this.reason}`
  }
}

/**
 * The server no longer knows the cursor: it was closed with `closeCursor`,
 * timed out, or its node restarted.
 *
 * @since 0.1.0
 * @category errors
 */
export class CursorNotFound extends Data.TaggedError("CursorNotFound")<{
  readonly cursorId: bigint
  readonly node: NodeRef
}> {
  override get message(): string {
    return `cursor ${this.cursorId} does not exist on ${nodeName(this.node)}: it was closed, timed out or its node restarted`
  }
}

/**
 * `createCollection` for a collection that exists already.
 *
 * @since 0.1.0
 * @category errors
 */
export class CollectionExists extends Data.TaggedError("CollectionExists")<{
  readonly namespace: string
}> {
  override get message(): string {
    return `collection ${this.namespace} already exists`
  }
}

/**
 * The server rejected an operation for a reason that is neither a write
 * error nor unavailability — a malformed query, an unknown command, ... It
 * would fail the same way on every node, so a read does not fail over.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServerError extends Data.TaggedError("ServerError")<{
  readonly node: NodeRef
  readonly operation: string
  readonly code: number | undefined
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message(): string {
    const code = this.code === undefined ? "" : ` (code ${this.code})`
    return `${this.operation} failed on ${nodeName(this.node)}${code}: ${this.reason}`
  }
}

/**
 * An operation ran out of its time budget: a read of its `readTimeout` (all
 * its attempts, waits and fallback together), a master operation of its
 * `operationTimeout`. The driver's work was aborted, releasing its
 * connection; a write given up this way may or may not have been applied.
 *
 * @since 0.2.0
 * @category errors
 */
export class OperationTimeout extends Data.TaggedError("OperationTimeout")<{
  /** What ran out of time, e.g. `insert on shop.orders`. */
  readonly operation: string
  /** The budget that ran out: `readTimeout` (MasterSlaveConnection.layer) or `operationTimeout` (Master.layer). */
  readonly budget: "readTimeout" | "operationTimeout"
  readonly millis: number
  /** The node it was waiting for, if any. */
  readonly node?: NodeRef | undefined
  /** Whether it was a write (whose outcome is then unknown). */
  readonly write: boolean
}> {
  override get message(): string {
    const where = this.node === undefined ? "" : ` (waiting for ${nodeName(this.node)})`
    const outcome = this.write ? "; the write may or may not have been applied" : ""
    return `${this.operation} ran out of its ${this.budget} of ${formatMillis(this.millis)}${where}${outcome}`
  }
}

/**
 * Any error of an operation on a node — or of its arguments, which the
 * driver may refuse before sending anything (`InvalidOption`, since 0.2.0).
 *
 * @since 0.1.0
 * @category errors
 */
export type OperationError = NodeUnavailable | ServerError | ConnectionError | OperationTimeout | InvalidOption

/**
 * Any error a read can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type ReadError = AllSlavesUnavailable | OperationError | DecodeError | CursorNotFound | InvalidOption

/**
 * Any error a write can fail with.
 *
 * @since 0.1.0
 * @category errors
 */
export type WriteFailure = WriteError | EncodeError | OperationError | InvalidOption
