/**
 * The one error of the harness: a step that could not be done, and why.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"

/**
 * @since 0.1.0
 */
export class BenchError extends Data.TaggedError("BenchError")<{
  readonly step: string
  readonly reason: string
  readonly cause?: unknown
}> {
  override get message(): string {
    return `${this.step}: ${this.reason}`
  }
}

/**
 * The message of anything thrown or failed with.
 *
 * @since 0.1.0
 */
export const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause))

/**
 * Wraps any failure as a `BenchError` of the given step.
 *
 * @since 0.1.0
 */
export const during =
  (step: string) =>
  (cause: unknown): BenchError =>
    new BenchError({ step, reason: describe(cause), cause })
