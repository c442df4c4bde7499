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
  private listeners: Array<(this: CallSignal, event: unknown) => void> | undefined = undefined

  throwIfAborted(): void {
    if (this.aborted) throw this.reason
  }

  addEventListener(type: string, listener: (this: CallSignal, event: unknown) => void): void {
    if (type !== "abort") return
    if (this.listeners === undefined) this.listeners = [listener]
    else this.listeners.push(listener)
  }

  removeEventListener(type: string, listener: (this: CallSignal, event: unknown) => void): void {
    if (type !== "abort" || this.listeners === undefined) return
    // the usual case: the call's one listener, removed as the call ends
    if (this.listeners.length === 1 && this.listeners[0] === listener) {
      this.listeners = undefined
      return
    }
    const index = this.listeners.indexOf(listener)
    if (index !== -1) this.listeners.splice(index, 1)
  }

  dispatchEvent(): boolean {
    return true
  }

  /** Aborts the call: every listener is told once, as an `abort` event. */
  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    const listeners = this.listeners
    this.listeners = undefined
    const event = { type: "abort", target: this }
    this.onabort?.(event)
    if (listeners !== undefined) for (const listener of listeners) listener.call(this, event)
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
