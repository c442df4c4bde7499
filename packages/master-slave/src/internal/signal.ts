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

/**
 * The wait is one timer and one suspension: background loops wake up many
 * times a second (every probe and heartbeat interval), and a wait built from
 * `Effect.timeout` (two fibers raced) costs several times the work it waits for.
 */
export const make = (): Signal => {
  let pending = false
  let waiter: (() => void) | undefined
  return {
    notify: () => {
      if (waiter === undefined) {
        pending = true
        return
      }
      waiter()
    },
    clear: () => {
      pending = false
    },
    wait: (millis) =>
      Effect.async<void>((resume) => {
        if (pending) {
          pending = false
          resume(Effect.void)
          return
        }
        let done = false
        const wake = () => {
          if (done) return
          done = true
          clearTimeout(timer)
          if (waiter === wake) waiter = undefined
          resume(Effect.void)
        }
        const timer = setTimeout(wake, millis)
        waiter = wake
        return Effect.sync(() => {
          done = true
          clearTimeout(timer)
          if (waiter === wake) waiter = undefined
        })
      })
  }
}
