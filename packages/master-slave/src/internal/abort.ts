type Listener = (this: CallSignal, event: unknown) => void

/**
 * The abort signal of one driver call: what the driver uses of an
 * `AbortSignal` (`aborted`, `reason`, `throwIfAborted`, and `abort`
 * listeners, also through `events.once`), without the cost of a real one —
 * an `AbortController` and the `EventTarget` machinery behind every listener
 * the driver adds (server selection, connection checkout, the socket read)
 * cost several microseconds per call, and almost every call is never
 * aborted. The driver's fault tests (`faults.test.ts`) hold it to the
 * driver's behaviour: aborting closes the connection the call waited on.
 */
export class CallSignal {
  aborted = false
  reason: unknown = undefined
  onabort: ((event: unknown) => void) | null = null
  // the usual case is one listener at a time (the driver adds one around
  // each wait and removes it after): it is kept in a field, not an array
  private listener: Listener | undefined = undefined
  private more: Array<Listener> | undefined = undefined

  throwIfAborted(): void {
    if (this.aborted) throw this.reason
  }

  addEventListener(type: string, listener: Listener): void {
    if (type !== "abort") return
    if (this.listener === undefined) this.listener = listener
    else if (this.more === undefined) this.more = [listener]
    else this.more.push(listener)
  }

  removeEventListener(type: string, listener: Listener): void {
    if (type !== "abort") return
    if (this.listener === listener) {
      this.listener = this.more?.shift()
      return
    }
    const more = this.more
    if (more === undefined) return
    const index = more.indexOf(listener)
    if (index !== -1) more.splice(index, 1)
  }

  dispatchEvent(): boolean {
    return true
  }

  /** Aborts the call: every listener is told once, as an `abort` event, in the order added. */
  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    const first = this.listener
    const more = this.more
    this.listener = undefined
    this.more = undefined
    const event = { type: "abort", target: this }
    this.onabort?.(event)
    first?.call(this, event)
    if (more !== undefined) for (const listener of more) listener.call(this, event)
  }

  /** The signal as the driver's options type it. */
  get asSignal(): AbortSignal {
    return this as unknown as AbortSignal
  }
}

/** What an aborted call is rejected with, when nothing more precise is known. */
export const abandoned = (): Error => {
  const error = new Error("the call was given up")
  error.name = "AbortError"
  return error
}
