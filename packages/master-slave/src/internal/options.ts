import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { ConfigError, InvalidOption, showValue } from "../Errors.js"
import { walkProblem } from "./validate.js"

/** A duration given as Effect accepts it: `"2 seconds"`, a number of milliseconds, a `Duration`. */
export const DurationInput = Schema.declare(
  (u: unknown): u is Duration.DurationInput => Duration.decodeUnknown(u as Duration.DurationInput)._tag === "Some",
  { identifier: "DurationInput", description: 'a duration such as "2 seconds", 500 (milliseconds) or a Duration' }
)

/** Any object, checked no further here (the driver checks its own options). */
export const AnyObject = Schema.declare(
  (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u),
  { identifier: "object" }
)

/** Decodes options, turning the first problem into a ConfigError that names the setting. */
export const decodeOptions = <A, I>(
  schema: Schema.Schema<A, I, never>,
  setting: string,
  input: unknown
): Either.Either<A, ConfigError> => {
  // a value nested too deep for the schema's report of it (which recurses)
  const problem = walkProblem(input)
  if (problem !== undefined) return Either.left(new ConfigError({ setting, reason: problem }))
  return Either.mapLeft(Schema.decodeUnknownEither(schema, { onExcessProperty: "error" })(input), (error) => {
    // of a union's alternatives, the one that got furthest says best what is wrong
    const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
    const issue = issues.reduce<(typeof issues)[number] | undefined>(
      (best, next) => (best === undefined || next.path.length > best.path.length ? next : best),
      undefined
    )
    const path = issue?.path ?? []
    return new ConfigError({
      setting: [setting, ...path.map(String)].join("."),
      reason: issue?._tag === "Unexpected" ? "unknown option" : (issue?.message ?? error.message)
    })
  })
}

// Node's timers hold at most 2^31 - 1 ms (24.8 days): a longer one fires at once.
const maxTimerMillis = 2_147_483_647

// Effect decodes a negative or NaN duration as zero: refuse it rather than guess
const isNegative = (input: unknown): boolean =>
  (typeof input === "number" && !(input >= 0)) ||
  (typeof input === "bigint" && input < 0n) ||
  (typeof input === "string" && input.trim().startsWith("-")) ||
  // [seconds, nanos], as process.hrtime gives it
  (Array.isArray(input) && input.some((part) => isNegative(part)))

/** A finite duration of zero or more, no longer than a timer can wait, as milliseconds. */
export const nonNegativeMillis = (setting: string, input: Duration.DurationInput): Either.Either<number, ConfigError> =>
  positiveMillis(setting, input, { allowZero: true })

/** A positive, finite duration no longer than a timer can wait, as milliseconds. */
export const positiveMillis = (
  setting: string,
  input: Duration.DurationInput,
  options: { readonly allowZero?: boolean } = {}
): Either.Either<number, ConfigError> => {
  const decoded = isNegative(input) ? Option.none() : Duration.decodeUnknown(input)
  if (Option.isNone(decoded)) {
    return Either.left(
      new ConfigError({
        setting,
        reason: `expected a duration such as "2 seconds" or 500 (milliseconds), got ${showValue(input)}`
      })
    )
  }
  const millis = Duration.toMillis(decoded.value)
  if (!((millis > 0 || (options.allowZero === true && millis === 0)) && Number.isFinite(millis))) {
    const wanted = options.allowZero === true ? "a finite duration of zero or more" : "a positive, finite duration"
    return Either.left(new ConfigError({ setting, reason: `must be ${wanted}, got ${Duration.format(decoded.value)}` }))
  }
  if (millis > maxTimerMillis) {
    return Either.left(
      new ConfigError({
        setting,
        reason: `must be at most 24 days (2,147,483,647 ms, the longest a Node.js timer can wait), got ${Duration.format(decoded.value)}`
      })
    )
  }
  return Either.right(millis)
}

/**
 * A staleness bound given to a read: a duration of zero or more (`Infinity`:
 * no bound), as milliseconds; an `InvalidOption` for anything else.
 */
export const stalenessMillis = (option: string, input: unknown): number | InvalidOption => {
  const decoded = isNegative(input) ? Option.none() : Duration.decodeUnknown(input as Duration.DurationInput)
  if (Option.isNone(decoded)) {
    return new InvalidOption({
      option,
      reason: `expected a duration such as "500 millis", 500 (milliseconds) or a Duration, got ${showValue(input)}`
    })
  }
  const millis = Duration.toMillis(decoded.value)
  if (!(millis >= 0)) {
    return new InvalidOption({
      option,
      reason: `must be a duration of zero or more, got ${Duration.format(decoded.value)}`
    })
  }
  return millis
}
