import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { AbstractCursor } from "mongodb"
import type { Cursor } from "../Cursor.js"
import type { DecodeError, ReadError } from "../Errors.js"
import type { Node } from "../Node.js"
import { type Deadline, mapReadError, type Operation, readCall } from "./driver.js"
import type { ReadOptions, Router } from "./router.js"

const idOf = (cursor: AbstractCursor): bigint => (cursor.id === undefined ? 0n : BigInt(cursor.id.toString()))

/**
 * Opens a cursor for the scope: the first batch is fetched by a routed read
 * (with failover), every later batch from the node that answered. Closing
 * the scope kills the server cursor if it is still open.
 */
export const open = <A>(options: {
  readonly router: Router
  readonly operation: Operation
  /** A pipeline that writes ($out, $merge) runs on the master. */
  readonly onMaster: boolean
  readonly readOptions?: ReadOptions | undefined
  /** Creates the driver's cursor; `signal` aborts whatever it is doing when the stream gives up on it. */
  readonly create: (node: Node, signal: AbortSignal) => AbstractCursor
  readonly decode: (raw: unknown) => Either.Either<A, DecodeError>
}): Effect.Effect<Cursor<A>, ReadError, Scope.Scope> =>
  Effect.gen(function* () {
    const { router, operation } = options
    const scope = yield* Effect.scope
    const firstBatch = (node: Node, deadline: Deadline) =>
      Effect.gen(function* () {
        const controller = new AbortController()
        // the driver checks some options (sort, read preference) as it makes the cursor
        const cursor = yield* Effect.try({
          try: () => options.create(node, controller.signal),
          catch: (error) => mapReadError(node, operation, error)
        })
        // killCursors on a node that stopped answering must not hold the scope open
        yield* Scope.addFinalizer(
          scope,
          Effect.promise(() => cursor.close()).pipe(Effect.timeout(deadline.timeoutMillis), Effect.ignore)
        )
        const abandon = () => {
          controller.abort()
          void cursor.close().catch(() => undefined)
        }
        yield* readCall(node, operation, () => cursor.hasNext(), {
          deadline,
          // an abandoned attempt (timeout, interruption) aborts and closes its cursor
          onAbandon: abandon
        })
        return { node, cursor, abandon }
      })
    const { node, cursor, abandon } = yield* options.onMaster
      ? router.onMaster(operation, firstBatch)
      : router.read(operation, firstBatch, options.readOptions)
    const cursorId = idOf(cursor)
    const getMore: Operation = { ...operation, name: "getMore" }

    const buffered = Effect.suspend(() => {
      let documents: Array<unknown>
      try {
        // the documents are deserialized here, with the call's BSON options: which may contradict each other
        documents = cursor.readBufferedDocuments()
      } catch (error) {
        return Effect.fail(Option.some<ReadError>(mapReadError(node, operation, error, cursorId)))
      }
      const decoded: Array<A> = new Array(documents.length)
      for (let i = 0; i < documents.length; i++) {
        const result = options.decode(documents[i])
        if (Either.isLeft(result)) return Effect.fail(Option.some<ReadError>(result.left))
        decoded[i] = result.right
      }
      return Effect.succeed(Chunk.unsafeFromArray(decoded))
    })

    const nextBatch = router
      .onNode(node, getMore, (_, deadline) =>
        readCall(node, getMore, () => cursor.hasNext(), { cursorId, deadline, onAbandon: abandon })
      )
      .pipe(
        Effect.mapError((error): Option.Option<ReadError> => Option.some(error)),
        Effect.flatMap((more) => (more ? buffered : Effect.fail(Option.none())))
      )

    const pull = Effect.suspend(() => {
      if (cursor.bufferedCount() > 0) return buffered
      if (cursor.closed || cursor.killed) return Effect.fail(Option.none())
      return nextBatch
    })

    return {
      cursorId,
      connectionId: node.connectionId,
      namespace: operation.namespace,
      node,
      stream: Stream.repeatEffectChunkOption(pull)
    }
  })
