/**
 * What every case gets: the cluster, its data, the run's sizes and a way to
 * say what it is doing.
 *
 * @since 0.1.0
 */
import type { Cluster } from "@mongo-master-slave/testkit"
import * as Effect from "effect/Effect"
import type { Dataset, Progress } from "../cluster.js"
import { type Figure, type FigureKey, figureOf, type Side } from "../results.js"
import type { Settings } from "../settings.js"
import { interleave, type Runner } from "../workload.js"

/**
 * @since 0.1.0
 */
export interface Bench {
  readonly cluster: Cluster.Cluster
  readonly dataset: Dataset
  readonly settings: Settings
  readonly progress: Progress
}

const ms = (value: number) => (value < 1 ? value.toFixed(3) : value.toFixed(2))

/**
 * One line for the progress log: a figure's headline numbers.
 *
 * @since 0.1.0
 */
export const headline = (figure: Figure): string =>
  `${figure.side.padEnd(14)} ${Math.round(figure.opsPerSec).toString().padStart(7)} ops/s  p50 ${ms(figure.p50)} ms  ` +
  `p99 ${ms(figure.p99)} ms  max ${ms(figure.max)} ms  errors ${figure.errors}` +
  (figure.hedges === null ? "" : `  hedged ${((figure.hedges / figure.totalOps) * 100).toFixed(1)}%`)

/**
 * The runners of one scenario, by side: the library and the raw driver, and
 * possibly others.
 *
 * @since 0.2.0
 */
export type SideRunners = { readonly library: Runner; readonly raw: Runner } & {
  readonly [side in Exclude<Side, "library" | "raw">]?: Runner
}

// the order of the figures, and of the first round (later rounds start one further, see `interleave`)
const sideOrder: ReadonlyArray<Side> = ["library", "raw", "thin", "effect-mongodb", "hedged"]

/**
 * Runs every side side by side on one scenario (see `interleave`), logs the
 * result and returns the figure of each side.
 *
 * @since 0.1.0
 */
export const compareSides = (
  bench: Pick<Bench, "settings" | "progress">,
  key: FigureKey,
  options: { readonly sides: SideRunners; readonly ops: number; readonly warmupOps: number }
): Effect.Effect<ReadonlyArray<Figure>> =>
  Effect.gen(function* () {
    const runners = sideOrder.flatMap((side) => {
      const runner = options.sides[side]
      return runner === undefined ? [] : [[side, runner] as const]
    })
    const samples = yield* interleave({
      runners,
      plan: { ops: options.ops, concurrency: key.concurrency },
      warmupOps: options.warmupOps,
      rounds: bench.settings.rounds
    })
    const figures = runners.map(([side]) => figureOf(key, side, samples.get(side)!))
    yield* bench.progress(`${key.case} · ${key.scenario} · concurrency ${key.concurrency}`)
    for (const figure of figures) yield* bench.progress(`  ${headline(figure)}`)
    return figures
  })
