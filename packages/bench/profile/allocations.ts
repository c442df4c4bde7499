/**
 * Bytes allocated per operation, with no I/O: the library's `findOne` and
 * `insertOne` over the overhead case's stub nodes (`src/cases/stub.ts`)
 * beside the thinnest Effect wrapper of the same stub call, and the read
 * again with a tracer installed that keeps nothing. Allocation is what
 * garbage collection costs, and unlike CPU time on a shared machine it moves
 * by under 1% from run to run (the profiler samples), so a change to the hot
 * path shows in it plainly. Measured with V8's sampling heap profiler,
 * counting the objects already collected too; the sites that allocate most
 * are listed per side.
 *
 *   npm run build
 *   node --import tsx packages/bench/profile/allocations.ts [operations] [sites]
 */

import { Session } from "node:inspector/promises"
import * as Effect from "effect/Effect"
import { stubOperations, underItsTracer } from "./stubOperations.js"

const [opsArg = "20000", sitesArg = "12"] = process.argv.slice(2)
const ops = Number(opsArg)
const sites = Number(sitesArg)

interface ProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly selfSize: number
  readonly children: ReadonlyArray<ProfileNode>
}

const session = new Session()
session.connect()

/** Runs `run` under the sampling heap profiler: bytes per operation, in all and by site. */
const allocated = (run: Effect.Effect<void, unknown>) =>
  Effect.gen(function* () {
    yield* run // warm-up
    yield* Effect.promise(() =>
      session.post("HeapProfiler.startSampling", {
        samplingInterval: 64,
        includeObjectsCollectedByMinorGC: true,
        includeObjectsCollectedByMajorGC: true
      } as never)
    )
    yield* run
    const { profile } = (yield* Effect.promise(() => session.post("HeapProfiler.stopSampling"))) as {
      profile: { head: ProfileNode }
    }
    const bySite = new Map<string, number>()
    let total = 0
    const walk = (node: ProfileNode) => {
      const { functionName, url, lineNumber } = node.callFrame
      const file = url
        .replace(/.*node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?/, "")
        .replace(/^file:\/\/.*\/packages\//, "")
      const site = `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize)
      total += node.selfSize
      for (const child of node.children) walk(child)
    }
    walk(profile.head)
    return { perOp: total / ops, bySite: [...bySite].sort((a, b) => b[1] - a[1]).slice(0, sites) }
  })

const loop = (op: () => Effect.Effect<unknown, unknown>): Effect.Effect<void, unknown> =>
  Effect.gen(function* () {
    for (let i = 0; i < ops; i++) yield* op()
  })

const program = Effect.scoped(
  Effect.gen(function* () {
    for (const operation of yield* stubOperations) {
      const { perOp, bySite } = yield* allocated(underItsTracer(operation, loop(operation.run)))
      console.log(`${operation.name}: ${Math.round(perOp)} bytes per operation`)
      for (const [site, bytes] of bySite) console.log(`  ${String(Math.round(bytes / ops)).padStart(6)}  ${site}`)
    }
  })
)

Effect.runPromise(program).then(
  () => process.exit(0),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
