/**
 * What every case gets: the cluster, its data, the run's sizes and a way to
 * say what it is doing.
 *
 * @since 0.1.0
 */
import type { Cluster } from "@mongo-master-slave/testkit"
import * as Effect from "effect/Effect"
import type { Dataset, Progress } from "../cluster.js"
import { type Figure, type FigureKey, figureOf } from "../results.js"
import type { Settings } from "../settings.js"
import { type Rounds, type Runner, sideBySide } from "../workload.js"

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
  `${figure.side.padEnd(7)} ${Math.round(figure.opsPerSec).toString().padStart(7)} ops/s  p50 ${ms(figure.p50)} ms  ` +
  `p99 ${ms(figure.p99)} ms  max ${ms(figure.max)} ms  errors ${figure.errors}`

/**
 * Runs the library and the raw driver side by side on one scenario (see
 * `sideBySide`), logs the result and returns both figures.
 *
 * @since 0.1.0
 */
export const compareSides = (
  bench: Pick<Bench, "settings" | "progress">,
  key: FigureKey,
  options: { readonly library: Runner; readonly raw: Runner; readonly ops: number; readonly warmupOps: number }
): Effect.Effect<ReadonlyArray<Figure>> =>
  Effect.gen(function* () {
    const rounds: Rounds = yield* sideBySide({
      library: options.library,
      raw: options.raw,
      plan: { ops: options.ops, concurrency: key.concurrency },
      warmupOps: options.warmupOps,
      rounds: bench.settings.rounds
    })
    const figures = [figureOf(key, "library", rounds.library), figureOf(key, "raw", rounds.raw)]
    yield* bench.progress(`${key.case} · ${key.scenario} · concurrency ${key.concurrency}`)
    for (const figure of figures) yield* bench.progress(`  ${headline(figure)}`)
    return figures
  })
