import { describe, expect, it } from "@effect/vitest"
import { Metrics } from "@mongo-master-slave/core"
import * as Effect from "effect/Effect"
import * as MetricLabel from "effect/MetricLabel"
import * as Hedges from "../src/hedges.js"
import { measureEffect } from "../src/workload.js"

// as the core records them: an update with the node's labels
const count = (counter: typeof Metrics.hedges, node: string) =>
  Effect.sync(() => counter.unsafeUpdate(1, [MetricLabel.make("node", node), MetricLabel.make("role", "slave")]))
const hedgeOn = (node: string) => count(Metrics.hedges, node)

describe("hedges", () => {
  it.effect("adds up the hedge counter over its tags, and nothing else", () =>
    Effect.gen(function* () {
      const before = yield* Hedges.hedgesSoFar
      yield* hedgeOn("slave-0")
      yield* hedgeOn("slave-1")
      yield* hedgeOn("slave-1")
      yield* count(Metrics.failovers, "slave-0")
      expect((yield* Hedges.hedgesSoFar) - before).toBe(3)
    })
  )

  it.effect("gives each run the hedges started during it", () =>
    Effect.gen(function* () {
      const runner = Hedges.counting(measureEffect((i) => (i % 2 === 0 ? hedgeOn("slave-0") : Effect.void)))
      const sample = yield* runner({ ops: 10, concurrency: 2 })
      expect(sample.hedges).toBe(5)
      expect(sample.ops).toBe(10)
    })
  )
})
