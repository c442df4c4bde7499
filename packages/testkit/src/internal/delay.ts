import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { ClusterError } from "../Cluster.js"

/** The largest delay PostgreSQL takes (`recovery_min_apply_delay` is an int of milliseconds). */
export const maxDelayMillis = 2_147_483_647

const isNegative = (input: unknown): boolean =>
  (typeof input === "number" && input < 0) ||
  (typeof input === "bigint" && input < 0n) ||
  (typeof input === "string" && input.trim().startsWith("-")) ||
  (Array.isArray(input) && input.some((part) => typeof part === "number" && part < 0))

/**
 * A replication delay as whole milliseconds: a finite, non-negative duration
 * PostgreSQL can hold, or a `ClusterError` saying what is wrong with it.
 * (`Duration.decode` alone would turn a negative or NaN number into zero.)
 */
export const delayMillis = (operation: string, input: unknown): Effect.Effect<number, ClusterError> => {
  const invalid = (why: string) =>
    Effect.fail(new ClusterError({ operation, reason: `the delay must be ${why}, got ${String(input)}` }))
  if (typeof input === "number" && Number.isNaN(input)) return invalid("a number of milliseconds")
  if (isNegative(input)) return invalid("zero or more")
  const decoded = Duration.decodeUnknown(input)
  if (Option.isNone(decoded)) return invalid('a duration (such as 500, "2 seconds" or Duration.seconds(2))')
  if (!Duration.isFinite(decoded.value)) return invalid("finite")
  const millis = Math.round(Duration.toMillis(decoded.value))
  if (millis > maxDelayMillis) return invalid(`at most ${maxDelayMillis} ms (about 24 days)`)
  return Effect.succeed(millis)
}

const units: Record<string, number> = {
  ms: 1,
  millis: 1,
  milliseconds: 1,
  s: 1_000,
  sec: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000
}

/**
 * A duration as a person types it on a command line: `0` or `off`, or a
 * number with a unit — `250ms`, `2s`, `1.5 seconds`, `1m`. Milliseconds, or
 * undefined when it is not one.
 */
export const parseDuration = (text: string): number | undefined => {
  const trimmed = text.trim().toLowerCase()
  if (trimmed === "0" || trimmed === "off") return 0
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/.exec(trimmed)
  const unit = match === null ? undefined : units[match[2]!]
  return unit === undefined ? undefined : Math.round(Number(match![1]) * unit)
}
