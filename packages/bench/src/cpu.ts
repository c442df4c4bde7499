/**
 * The CPU one operation costs, with no I/O: what the `overhead` case
 * measures (the library, the thinnest Effect wrapper and the raw Promise over
 * a stub driver client), its comparisons and its target.
 *
 * @since 0.2.0
 */
import { median } from "./stats.js"
import { fixed, met, signed, type TargetCheck, verdict } from "./verdicts.js"

/**
 * The sides of the `overhead` case: the raw Promise awaited in an async
 * loop, the thinnest Effect wrapper (`Effect.tryPromise` in one long-lived
 * fiber), the library's collection.
 *
 * @since 0.2.0
 */
export type CpuSide = "raw" | "thin" | "library"

/**
 * The CPU time of one side per operation in one scenario: this process's
 * (`process.cpuUsage()`, user + system) over a round of sequential
 * operations, divided by them — every round, their minimum and their median.
 *
 * @since 0.2.0
 */
export interface CpuPerOp {
  readonly scenario: string
  readonly side: CpuSide
  readonly opsPerRound: number
  readonly rounds: number
  /** µs per operation, each round in the order run. */
  readonly perRound: ReadonlyArray<number>
  readonly minMicros: number
  readonly medianMicros: number
}

/**
 * The record of one side from its rounds (µs per operation each).
 *
 * @since 0.2.0
 */
export const cpuPerOpOf = (
  scenario: string,
  side: CpuSide,
  opsPerRound: number,
  perRound: ReadonlyArray<number>
): CpuPerOp => ({
  scenario,
  side,
  opsPerRound,
  rounds: perRound.length,
  perRound,
  minMicros: perRound.length === 0 ? Number.NaN : Math.min(...perRound),
  medianMicros: median(perRound)
})

/**
 * A minimum and a median, in µs.
 *
 * @since 0.2.0
 */
export interface MinMedian {
  readonly min: number
  readonly median: number
}

/**
 * One scenario's three sides, and what the library adds to the thin wrapper
 * and to the raw Promise (the difference of the minimums, and of the
 * medians).
 *
 * @since 0.2.0
 */
export interface CpuComparison {
  readonly scenario: string
  readonly raw: MinMedian
  readonly thin: MinMedian
  readonly library: MinMedian
  readonly overThin: MinMedian
  readonly overRaw: MinMedian
}

const minMedian = (record: CpuPerOp | undefined): MinMedian => ({
  min: record?.minMicros ?? Number.NaN,
  median: record?.medianMicros ?? Number.NaN
})

const minus = (a: MinMedian, b: MinMedian): MinMedian => ({ min: a.min - b.min, median: a.median - b.median })

/**
 * Every scenario with its sides side by side, in the order the scenarios
 * were measured.
 *
 * @since 0.2.0
 */
export const compareCpu = (records: ReadonlyArray<CpuPerOp>): ReadonlyArray<CpuComparison> => {
  const scenarios = [...new Set(records.map((record) => record.scenario))]
  return scenarios.map((scenario) => {
    const of = (side: CpuSide) => minMedian(records.find((r) => r.scenario === scenario && r.side === side))
    const [raw, thin, library] = [of("raw"), of("thin"), of("library")]
    return { scenario, raw, thin, library, overThin: minus(library, thin), overRaw: minus(library, raw) }
  })
}

/**
 * The library's extra CPU per operation over the thin wrapper's, with no
 * I/O, held to `maxMicros` in every scenario: judged on the minimums over the
 * rounds (on a shared machine noise only ever adds), the medians beside them.
 *
 * @since 0.2.0
 */
export const cpuTarget = (records: ReadonlyArray<CpuPerOp>, maxMicros: number): TargetCheck => {
  const measured = compareCpu(records).filter((c) => Number.isFinite(c.overThin.min))
  return {
    target:
      `The library's extra CPU per operation within ${maxMicros} µs of the thinnest Effect wrapper's, no I/O ` +
      "(over a stub driver client; minimum over the rounds, median beside it)",
    met: verdict(measured.map((c) => c.overThin.min <= maxMicros)),
    details: measured.map(
      (c) =>
        `${c.scenario}: library ${fixed(c.library.min)} µs/op (median ${fixed(c.library.median)}), thin ` +
        `${fixed(c.thin.min)} (${fixed(c.thin.median)}), raw ${fixed(c.raw.min)} (${fixed(c.raw.median)}): ` +
        `library − thin ${signed(c.overThin.min)} µs (median ${signed(c.overThin.median)}), library − raw ` +
        `${signed(c.overRaw.min)} µs ${met(c.overThin.min <= maxMicros)}`
    )
  }
}
