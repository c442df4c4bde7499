/**
 * Running a program as a process's main fiber.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"

/**
 * Runs a program as the process's main fiber: SIGINT and SIGTERM interrupt it
 * (so every scope closes and every child process is stopped), a failure is
 * printed as its message and exits 1, success exits 0.
 *
 * @since 0.1.0
 * @category running
 */
export const runMain = <E>(program: Effect.Effect<void, E>): void => {
  const fiber = Effect.runFork(program)
  let signalled = false
  const onSignal = () => {
    signalled = true
    Effect.runFork(Fiber.interrupt(fiber))
  }
  process.once("SIGINT", onSignal)
  process.once("SIGTERM", onSignal)
  fiber.addObserver((exit) => {
    process.removeListener("SIGINT", onSignal)
    process.removeListener("SIGTERM", onSignal)
    if (Exit.isSuccess(exit) || (signalled && Cause.isInterruptedOnly(exit.cause))) {
      process.exit(0)
    }
    const failure = Cause.failureOption(exit.cause)
    const message =
      failure._tag === "Some" && failure.value instanceof Error ? failure.value.message : Cause.pretty(exit.cause)
    process.stderr.write(`\n${message}\n`)
    process.exit(1)
  })
}
