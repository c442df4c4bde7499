/**
 * Case 5, the cost of routing: the library's read path — strategy, health,
 * failover, attempt timeout, metrics and span — over in-memory fake nodes,
 * with no I/O at all. The raw side is the fake operation alone, run the same
 * way without the router, so the difference is what routing adds to a read.
 *
 * The router is internal to the core package, so it is reached by the path of
 * its compiled build; the fakes follow the core's own test fakes
 * (`packages/master-slave/test/fakeNodes.ts`): real `Node` values whose
 * clients never connect, whose work is an Effect that answers at once.
 *
 * @since 0.1.0
 */
import { Errors, Node, ReadStrategy } from "@mongo-master-slave/core"
import * as Effect from "effect/Effect"
import { MongoClient } from "mongodb"
// the router is internal to the core package: the bench reaches its compiled build by path
import * as Health from "../../../master-slave/dist/esm/internal/health.js"
import * as Router from "../../../master-slave/dist/esm/internal/router.js"
import type { BenchError } from "../errors.js"
import type { CaseResult, Figure } from "../results.js"
import type { Settings } from "../settings.js"
import { measureEffect } from "../workload.js"
import { type Bench, compareSides } from "./context.js"

/**
 * A fake node: a real `Node` whose client never connects.
 *
 * @since 0.1.0
 */
export const fakeNode = (role: Node.Role, connectionId: number): Node.Node => {
  const address = `fake-${role}-${connectionId}:1`
  const node = new Node.Node(
    role,
    connectionId,
    address,
    `mongodb://${address}`,
    new MongoClient(`mongodb://${address}`)
  )
  // never connect: the fake work answers instead
  node.connected = true
  return node
}

const operation = {
  name: "find",
  database: "bench",
  collection: "fake",
  namespace: "bench.fake",
  write: false
}

interface FakeScenario {
  readonly name: string
  readonly slaves: number
  readonly strategy: ReadStrategy.ReadStrategy
  /** Slaves that answer "unavailable". */
  readonly unavailable: ReadonlyArray<number>
  /** Mark the unavailable slaves up again before every read, so every read tries them (and fails over). */
  readonly retryEveryRead: boolean
}

const scenarios: ReadonlyArray<FakeScenario> = [
  {
    name: "2 fake slaves, all healthy",
    slaves: 2,
    strategy: ReadStrategy.random,
    unavailable: [],
    retryEveryRead: false
  },
  {
    name: "4 fake slaves, all healthy",
    slaves: 4,
    strategy: ReadStrategy.random,
    unavailable: [],
    retryEveryRead: false
  },
  {
    name: "2 fake slaves, slave 0 down and known",
    slaves: 2,
    strategy: ReadStrategy.ordered,
    unavailable: [0],
    retryEveryRead: false
  },
  {
    name: "2 fake slaves, slave 0 fails, every read fails over",
    slaves: 2,
    strategy: ReadStrategy.ordered,
    unavailable: [0],
    retryEveryRead: true
  }
]

const measure = (bench: Pick<Bench, "settings" | "progress">, settings: Settings, scenario: FakeScenario) =>
  Effect.gen(function* () {
    const master = fakeNode("master", -1)
    const slaves = Array.from({ length: scenario.slaves }, (_, i) => fakeNode("slave", i))
    const health = Health.make(slaves)
    const router = Router.make({
      master,
      slaves,
      attemptTimeoutMillis: 2_000,
      strategy: scenario.strategy,
      fallbackToMaster: false,
      health
    })
    const work = (node: Node.Node): Effect.Effect<number, Errors.NodeUnavailable> =>
      scenario.unavailable.includes(node.connectionId)
        ? Effect.fail(new Errors.NodeUnavailable({ node, reason: "fake: refused" }))
        : Effect.succeed(node.connectionId)
    const healthySlave = slaves.find((slave) => !scenario.unavailable.includes(slave.connectionId))!
    const library = measureEffect(() =>
      Effect.suspend(() => {
        if (scenario.retryEveryRead) for (const id of scenario.unavailable) health.unsafeMark(id, true)
        return router.read(operation, work)
      })
    )
    const raw = measureEffect(() => Effect.suspend(() => work(healthySlave)))
    return yield* compareSides(
      bench,
      { case: "routing", scenario: scenario.name, concurrency: 1, slaves: scenario.slaves },
      { sides: { library, raw }, ops: settings.routing.ops, warmupOps: settings.routing.warmupOps }
    )
  })

/**
 * @since 0.1.0
 */
export const run = (bench: Pick<Bench, "settings" | "progress">): Effect.Effect<CaseResult, BenchError> =>
  Effect.gen(function* () {
    const figures: Array<Figure> = []
    for (const scenario of scenarios) figures.push(...(yield* measure(bench, bench.settings, scenario)))
    return {
      figures,
      notes: [
        "library: the router's read (read strategy, slave health, failover, attempt timeout, metrics, span) over fake " +
          "nodes that answer at once, no I/O; raw: the same fake operation on one node without the router; both as " +
          "Effects, one at a time; the cost of routing is the difference of their latencies",
        "every read fails over: slave 0 is marked up again before each read, so each read tries it, fails, and moves on"
      ],
      skipped: []
    }
  })
