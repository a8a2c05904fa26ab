type AbortListener = ((event: AbortEvent) => void) | { handleEvent(event: AbortEvent): void };
interface AbortEvent {
  type: "abort";
}

/**
 * A procedure call's stop (a subscription's, or an HTTP request's: `connectionSignal`): the
 * part of `AbortController` and its `AbortSignal` that procedures and Node's `events.on` use
 * (`aborted`, `reason`, `throwIfAborted`, `onabort` and `abort` listeners). An `AbortSignal`
 * is an EventTarget with two Maps, about 500 bytes that an idle subscription would hold for its
 * whole life and ~40k instructions to make for every request; this is a few fields. It is
 * handed to procedures as their `signal`, so nothing there may pass it on to an API that
 * needs a platform signal (`AbortSignal.any`, `fetch`); ours do not.
 */
export class StopSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((event: AbortEvent) => void) | null = null;
  private listeners: AbortListener[] | null = null;

  /** This, typed as what a procedure's `signal` is. */
  get signal(): AbortSignal {
    return this as unknown as AbortSignal;
  }

  /** Aborts once: the listeners run, in the order they were added; later calls do nothing. */
  abort(reason: unknown = new DOMException("This operation was aborted", "AbortError")): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners ?? [];
    this.listeners = null;
    const event: AbortEvent = { type: "abort" };
    this.onabort?.(event);
    for (const listener of listeners) {
      if (typeof listener === "function") listener(event);
      else listener.handleEvent(event);
    }
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  /** As on an `AbortSignal`; options (`once` and the like) change nothing, since it fires once. */
  addEventListener(type: string, listener: AbortListener | null, _options?: unknown): void {
    if (type !== "abort" || !listener || this.aborted) return;
    if (!this.listeners) this.listeners = [];
    if (!this.listeners.includes(listener)) this.listeners.push(listener);
  }

  removeEventListener(type: string, listener: AbortListener | null, _options?: unknown): void {
    if (type !== "abort" || !listener || !this.listeners) return;
    const index = this.listeners.indexOf(listener);
    if (index !== -1) this.listeners.splice(index, 1);
  }
}
