/**
 * What every target check shares: its shape, and how it writes figures and
 * verdicts in its details.
 *
 * @since 0.2.0
 */

/**
 * Where the library stands against one target: met, not met, or not measured
 * in this run (`null`), with the figures behind the verdict.
 *
 * @since 0.1.0
 */
export interface TargetCheck {
  readonly target: string
  readonly met: boolean | null
  readonly details: ReadonlyArray<string>
}

/**
 * A number with `digits` decimals; `n/a` when it is not finite.
 *
 * @since 0.2.0
 */
export const fixed = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : "n/a")

/**
 * Met when every check is, not measured (`null`) when there is none.
 *
 * @since 0.2.0
 */
export const verdict = (checks: ReadonlyArray<boolean>): boolean | null =>
  checks.length === 0 ? null : checks.every(Boolean)

/**
 * A share as a percentage with one decimal.
 *
 * @since 0.2.0
 */
export const percent = (share: number): string => (Number.isFinite(share) ? `${(share * 100).toFixed(1)}%` : "n/a")

/**
 * A number with one decimal and its sign.
 *
 * @since 0.2.0
 */
export const signed = (value: number): string => `${value >= 0 ? "+" : ""}${fixed(value, 1)}`

/**
 * The verdict of one detail line.
 *
 * @since 0.2.0
 */
export const met = (ok: boolean): string => (ok ? "(met)" : "(NOT met)")
