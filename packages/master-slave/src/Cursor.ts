/**
 * Cursors: a `find` or `aggregate` opens a cursor on one node and fetches
 * every later batch from that same node. Closing the stream's scope early
 * kills the server cursor; a node lost mid-stream fails the stream with a
 * typed error — it never restarts on another node, so no document is
 * delivered twice.
 *
 * @since 0.1.0
 */
import type * as Stream from "effect/Stream"
import type { ReadError } from "./Errors.js"
import type { Node } from "./Node.js"

/**
 * Where a server cursor lives: enough to close it with `closeCursor`
 * (PyMongo's `close_cursor(cursor_id, connection_id)`; today's `killCursors`
 * also needs the namespace).
 *
 * @since 0.1.0
 * @category models
 */
export interface CursorRef {
  /** The server's cursor id; `0n` once the server has sent every document. */
  readonly cursorId: bigint
  /** The node it lives on: `-1` the master, `0..n-1` a slave. */
  readonly connectionId: number
  /** `database.collection`. */
  readonly namespace: string
}

/**
 * An open cursor: where it lives, and the stream of its documents (which can
 * be consumed once).
 *
 * @since 0.1.0
 * @category models
 */
export interface Cursor<A> extends CursorRef {
  readonly node: Node
  readonly stream: Stream.Stream<A, ReadError>
}
