import * as Effect from "effect/Effect"
import { type ConnectionError, NodeUnavailable, type OperationTimeout } from "../Errors.js"
import type { Node } from "../Node.js"
import { type Deadline, databaseOperation, readCall } from "./driver.js"

const connectOperation = databaseOperation("connect", "admin", false)

/**
 * Connects the node's client if it has no live topology. The driver leaves a
 * client whose first connection failed closed for good, so a node that was
 * down when the layer was built, or that failed since, is connected again
 * here before it is used.
 */
export const ensureConnected = (
  node: Node,
  deadline: Deadline
): Effect.Effect<void, NodeUnavailable | ConnectionError | OperationTimeout> =>
  node.connected
    ? Effect.void
    : readCall(node, connectOperation, () => node.client.connect(), { deadline }).pipe(
        Effect.mapError((error) =>
          error._tag === "ConnectionError" || error._tag === "NodeUnavailable" || error._tag === "OperationTimeout"
            ? error
            : new NodeUnavailable({ node, reason: error.message, cause: error })
        ),
        Effect.zipRight(
          Effect.sync(() => {
            node.connected = true
          })
        )
      )

/** Marks the node for reconnection after an error that closed its client's topology. */
export const noteFailure = (node: Node, error: unknown): void => {
  const cause = typeof error === "object" && error !== null && "cause" in error ? error.cause : undefined
  const name = cause instanceof Error ? cause.name : ""
  if (name === "MongoTopologyClosedError" || name === "MongoNotConnectedError") node.connected = false
}
