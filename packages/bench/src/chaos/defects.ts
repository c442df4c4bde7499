/**
 * What goes wrong outside any one operation: unhandled rejections, uncaught
 * exceptions, and Effect's own logs — a fiber that died, an error logged by
 * the library — counted while the run lives.
 *
 * @since 0.2.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as FiberRef from "effect/FiberRef"
import * as FiberRefs from "effect/FiberRefs"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

/**
 * The process-wide record.
 *
 * @since 0.2.0
 */
export interface ProcessDefects {
  readonly unhandledRejections: Array<string>
  readonly uncaughtExceptions: Array<string>
  /** Error logs, and fibers that died. */
  readonly loggedErrors: Array<string>
  /**
   * Fibers that ended with a typed failure. Not defects: Effect reports any
   * failed fiber this way, also one whose parent handles the failure (a
   * stream's inner fibers, a race), so these are shown, not counted.
   */
  fiberFailures: number
  readonly warnings: Array<string>
  warningCount: number
}

/**
 * An empty record.
 *
 * @since 0.2.0
 */
export const make = (): ProcessDefects => ({
  unhandledRejections: [],
  uncaughtExceptions: [],
  loggedErrors: [],
  fiberFailures: 0,
  warnings: [],
  warningCount: 0
})

/**
 * What a log line is to the run (pure).
 *
 * @since 0.2.0
 */
export type LogKind = "defect" | "fiber-failure" | "warning" | "other"

/**
 * Sorts a log: a fiber that ended with a defect, or anything at error level
 * or above, is a defect; a fiber that ended with a typed failure only is a
 * `fiber-failure`; warnings are warnings.
 *
 * @since 0.2.0
 */
export const classify = (message: string, cause: Cause.Cause<unknown>, level: LogLevel.LogLevel): LogKind => {
  if (message === "Fiber terminated with an unhandled error") {
    return Cause.isDie(cause) ? "defect" : "fiber-failure"
  }
  if (LogLevel.greaterThanEqual(level, LogLevel.Error)) return "defect"
  return level._tag === "Warning" ? "warning" : "other"
}

const firstLine = (value: unknown) =>
  (value instanceof Error ? (value.stack ?? value.message) : String(value)).split("\n")[0]!

/**
 * Counts unhandled rejections and uncaught exceptions (which then no longer
 * end the process) for as long as the scope lives.
 *
 * @since 0.2.0
 */
export const watchProcess = (defects: ProcessDefects) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const onRejection = (reason: unknown) => defects.unhandledRejections.push(firstLine(reason))
      const onException = (error: unknown) => defects.uncaughtExceptions.push(firstLine(error))
      process.on("unhandledRejection", onRejection)
      process.on("uncaughtException", onException)
      return { onRejection, onException }
    }),
    ({ onRejection, onException }) =>
      Effect.sync(() => {
        process.off("unhandledRejection", onRejection)
        process.off("uncaughtException", onException)
      })
  )

/**
 * A logger in place of Effect's default one: it prints nothing, and records
 * every log by its kind, with the fiber and the tracing span it came from.
 *
 * @since 0.2.0
 */
export const logger = (defects: ProcessDefects) =>
  Logger.make(({ cause, context, fiberId, logLevel, message }) => {
    const said = (Array.isArray(message) ? message : [message]).map(String).join(" ").split("\n")[0]!
    const kind = classify(said, cause, logLevel)
    if (kind === "other") return
    if (kind === "fiber-failure") {
      defects.fiberFailures++
      return
    }
    const span = Context.getOption(FiberRefs.getOrDefault(context, FiberRef.currentContext), Tracer.ParentSpan)
    const where = `${FiberId.threadName(fiberId)}${Option.isSome(span) && span.value._tag === "Span" ? `, span "${span.value.name}"` : ""}`
    const why = Cause.isEmpty(cause) ? "" : ` — ${Cause.pretty(cause).split("\n").slice(0, 4).join(" | ")}`
    const text = `${said} (${where})${why}`
    if (kind === "defect") defects.loggedErrors.push(text)
    else {
      defects.warningCount++
      if (defects.warnings.length < 10) defects.warnings.push(text)
    }
  })

/**
 * Runs an effect with the process watched and Effect's logs recorded; a
 * fiber that fails unobserved is logged at error level, so none goes unseen.
 *
 * @since 0.2.0
 */
export const watched = <A, E, R>(defects: ProcessDefects, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.scoped(Effect.zipRight(watchProcess(defects), effect)).pipe(
    Effect.provide(Logger.replace(Logger.defaultLogger, logger(defects))),
    Effect.withUnhandledErrorLogLevel(Option.some(LogLevel.Error))
  )
