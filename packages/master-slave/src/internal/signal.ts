import * as Effect from "effect/Effect"

/**
 * A wake-up call for one background loop: `notify` wakes the loop if it is
 * waiting, or makes its next `wait` return at once; `clear` forgets a
 * notification the loop has served anyway.
 */
export interface Signal {
  readonly notify: () => void
  readonly clear: () => void
  /** Waits for a notification, at most `millis`. */
  readonly wait: (millis: number) => Effect.Effect<void>
}

export const make = (): Signal => {
  let pending = false
  let waiter: ((effect: Effect.Effect<void>) => void) | undefined
  const await_ = Effect.async<void>((resume) => {
    waiter = resume
    return Effect.sync(() => {
      if (waiter === resume) waiter = undefined
    })
  })
  return {
    notify: () => {
      if (waiter === undefined) {
        pending = true
        return
      }
      const resume = waiter
      waiter = undefined
      resume(Effect.void)
    },
    clear: () => {
      pending = false
    },
    wait: (millis) =>
      Effect.suspend(() => {
        if (pending) {
          pending = false
          return Effect.void
        }
        return Effect.asVoid(Effect.timeoutOption(await_, millis))
      })
  }
}
