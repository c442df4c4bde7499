import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import { asyncCancelable } from "./asyncCancelable.js"

const liveClock = Context.get(DefaultServices.liveServices, Clock.Clock)
// Node fires a longer timer at once
const maxTimerMillis = 2 ** 31 - 1

/**
 * Waits for `fiber` to end, at most `millis`: its exit, or `undefined` when
 * the time ran out first (the fiber goes on). Waiting does not join the
 * fiber: its `FiberRef`s stay its own.
 *
 * Every hedged read waits like this once. On the live clock the wait is one
 * timer and one observer: a sleeping fiber raced against the other and then
 * interrupted costs several times the read's own CPU. Any other clock (a
 * `TestClock`) gets the sleeping fiber, which it knows how to advance.
 */
export const awaitWithin = <A, E>(
  fiber: Fiber.RuntimeFiber<A, E>,
  millis: number
): Effect.Effect<Exit.Exit<A, E> | undefined> =>
  Effect.clockWith((clock) =>
    clock === liveClock
      ? asyncCancelable<Exit.Exit<A, E> | undefined, never>((resume) => {
          const observer = (exit: Exit.Exit<A, E>) => {
            clearTimeout(timer)
            resume(Effect.succeed(exit))
          }
          const timer = setTimeout(
            () => {
              fiber.removeObserver(observer)
              resume(Effect.succeed(undefined))
            },
            Math.min(millis, maxTimerMillis)
          )
          fiber.addObserver(observer)
          return () => {
            clearTimeout(timer)
            fiber.removeObserver(observer)
          }
        })
      : Effect.raceFirst(fiber.await, Effect.as(clock.sleep(Duration.millis(millis)), undefined))
  )
