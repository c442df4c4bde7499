/**
 * Fake nodes for property tests of routing: real `Node` values whose clients
 * never connect, and whose behaviour is a table of outcomes. Only the pure
 * routing logic runs against them; everything touching a server is tested on
 * the real cluster.
 */
import { Effect, Ref } from "effect"
import { MongoClient } from "mongodb"
import { NodeUnavailable, ServerError } from "../src/Errors.js"
import * as Health from "../src/internal/health.js"
import * as Router from "../src/internal/router.js"
import { Node } from "../src/Node.js"
import type { ReadStrategy } from "../src/ReadStrategy.js"

export type Outcome = "healthy" | "unavailable" | "failing"

export const fakeNode = (role: "master" | "slave", connectionId: number): Node => {
  const address = `fake-${role}-${connectionId}:1`
  const node = new Node(role, connectionId, address, `mongodb://${address}`, new MongoClient(`mongodb://${address}`))
  // never connect: the fake run below answers instead
  node.connected = true
  return node
}

export interface FakeCluster {
  readonly router: Router.Router
  readonly health: Health.Health
  readonly master: Node
  readonly slaves: ReadonlyArray<Node>
  /** Every node a read touched, in order. */
  readonly touched: Ref.Ref<ReadonlyArray<number>>
  /** The fake work: each node answers per its outcome. */
  readonly run: (node: Node) => Effect.Effect<number, NodeUnavailable | ServerError>
}

export const fakeCluster = (
  outcomes: ReadonlyArray<Outcome>,
  strategy: ReadStrategy,
  options: Partial<
    Pick<Router.RouterOptions, "fallbackToMaster" | "maxStalenessMillis" | "causalWaitMillis" | "hedge">
  > & {
    /** How long each fake slave takes to answer, in (test clock) milliseconds. */
    readonly latencies?: ReadonlyArray<number>
  } = {}
): Effect.Effect<FakeCluster> =>
  Effect.gen(function* () {
    const master = fakeNode("master", -1)
    const slaves = outcomes.map((_, i) => fakeNode("slave", i))
    const health = Health.make(slaves)
    const router = Router.make({
      master,
      slaves,
      attemptTimeoutMillis: 60_000,
      strategy,
      fallbackToMaster: options.fallbackToMaster ?? false,
      health,
      maxStalenessMillis: options.maxStalenessMillis,
      causalWaitMillis: options.causalWaitMillis,
      hedge: options.hedge
    })
    const touched = yield* Ref.make<ReadonlyArray<number>>([])
    const run = (node: Node) =>
      Ref.update(touched, (ids) => [...ids, node.connectionId]).pipe(
        Effect.zipRight(
          Effect.suspend((): Effect.Effect<number, NodeUnavailable | ServerError> => {
            const outcome = node.role === "master" ? "healthy" : outcomes[node.connectionId]!
            const latency = node.role === "master" ? 0 : (options.latencies?.[node.connectionId] ?? 0)
            if (latency > 0) return Effect.zipRight(Effect.sleep(latency), answer(node, outcome))
            return answer(node, outcome)
          })
        )
      )
    return { router, health, master, slaves, touched, run }
  })

const answer = (node: Node, outcome: Outcome): Effect.Effect<number, NodeUnavailable | ServerError> => {
  switch (outcome) {
    case "healthy":
      return Effect.succeed(node.connectionId)
    case "unavailable":
      return Effect.fail(new NodeUnavailable({ node, reason: "fake: refused", kind: "refused" }))
    case "failing":
      return Effect.fail(
        new ServerError({ node, operation: "find", code: 2, reason: "fake: bad query", cause: undefined })
      )
  }
}
