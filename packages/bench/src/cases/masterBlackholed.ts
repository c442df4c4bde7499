/**
 * Case 9, the master blackholed: the master behind a fault proxy that
 * accepts connections and data and never answers. A library connection with
 * `Master.layer({ operationTimeout: "1 second" })` writes (`insertOne`) and
 * reads in a request (`findOne` in `inRequest`, on the master) at
 * concurrency 4: every operation must end with `OperationTimeout` when its
 * budget runs out — not after the driver's own timeouts, 20 to 30 s — and
 * writes must work again as soon as the fault is lifted (a round of writes
 * started at that moment).
 *
 * @since 0.2.0
 */
import { FaultProxy } from "@mongo-master-slave/testkit"
import * as Effect from "effect/Effect"
import * as Clients from "../clients.js"
import { type BenchError, during } from "../errors.js"
import { masterBudgetMillis, masterScenarios } from "../faultTargets.js"
import { type CaseResult, type FigureKey, figureOf } from "../results.js"
import { measureEffect, type Sample, settle } from "../workload.js"
import { type Bench, headline } from "./context.js"
import * as ReadById from "./readById.js"
import { newDocument } from "./writes.js"

/**
 * @since 0.2.0
 */
export const run = (bench: Bench): Effect.Effect<CaseResult, BenchError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { cluster, dataset, settings } = bench
      const { concurrency, ops, rounds, recoveryOps } = settings.masterBlackholed
      const proxy = yield* Effect.mapError(
        FaultProxy.make(FaultProxy.targetOf(cluster.masterUri)),
        during("start the fault proxy of the master")
      )
      const slaveUris = cluster.slaveUris.slice(0, 1)
      const connection = yield* Clients.library(proxy.uri, slaveUris, { operationTimeout: masterBudgetMillis })
      const writes = yield* Clients.libraryCollection(connection, dataset.database, dataset.writes)
      const reads = yield* Clients.libraryCollection(connection, dataset.database, dataset.reads)
      const read = ReadById.libraryRead(reads, dataset.documents)
      const write = measureEffect((i) => writes.insertOne(newDocument("master-blackholed", i)))
      const requestRead = measureEffect((i) => connection.inRequest(read(i)))
      const keyOf = (scenario: string): FigureKey => ({
        case: "master-blackholed",
        scenario,
        concurrency,
        slaves: slaveUris.length
      })

      // pools warm, every path taken once while the master answers
      yield* write({ ops: 40, concurrency })
      yield* requestRead({ ops: 40, concurrency })

      yield* bench.progress(`master-blackholed · the master blackholed, operationTimeout ${masterBudgetMillis} ms`)
      const [written, read_, recovered] = yield* Effect.acquireUseRelease(
        Effect.zipRight(settle, proxy.setMode(FaultProxy.Mode.Blackhole())),
        () =>
          Effect.gen(function* () {
            const written: Array<Sample> = []
            const readInRequest: Array<Sample> = []
            for (let round = 0; round < rounds; round++) {
              written.push(yield* write({ ops, concurrency }))
              readInRequest.push(yield* requestRead({ ops, concurrency }))
            }
            // the fault lifted, and writes started at that very moment
            yield* proxy.setMode(FaultProxy.Mode.Pass())
            const recovered = yield* write({ ops: recoveryOps, concurrency })
            return [written, readInRequest, recovered] as const
          }),
        () => proxy.setMode(FaultProxy.Mode.Pass())
      )
      const figures = [
        figureOf(keyOf(masterScenarios.write), "library", written),
        figureOf(keyOf(masterScenarios.read), "library", read_),
        figureOf(keyOf(masterScenarios.recovered), "library", [recovered])
      ]
      for (const figure of figures) yield* bench.progress(`  ${figure.scenario}: ${headline(figure)}`)
      return {
        figures,
        notes: [
          `the master behind a fault proxy, blackholed (it accepts connections and data and never answers); a ` +
            `connection with Master.layer({ operationTimeout: "${masterBudgetMillis / 1000} second" }) over it and ` +
            `slave 0; at concurrency ${concurrency}, ${rounds} rounds of ${ops} writes (insertOne) and ${ops} reads in ` +
            `a request (findOne in inRequest: on the master), each operation waiting out its budget; then, at the ` +
            `moment the fault is lifted, ${recoveryOps} writes; outcome: how the operations ended`,
          "with Master.layer's default operationTimeout, 10 s, each operation on the blackholed master would wait " +
            "10 s before its OperationTimeout (not measured here, to keep the run short); without a budget, the " +
            "driver's own monitor and pool timeouts ended such writes after 20 to 30 s (issue 13)"
        ],
        skipped: []
      }
    })
  )
