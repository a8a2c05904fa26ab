/** Takes a stream's values as they come: the callback side of `PushStream`. */
export interface StreamSink<T> {
  /**
   * The next value, in order. A promise holds the stream back until it settles (it must not
   * reject): how a consumer whose connection is full has a catch-up wait for it to drain.
   */
  value(value: T): Promise<void> | undefined;
  /** The stream has finished; nothing follows. */
  end(): void;
  /** The stream has failed; nothing follows. */
  fail(cause: unknown): void;
}

/**
 * An async iterable that can also be driven by callbacks. A subscriber waiting on an
 * iterator holds a pending promise, its reactions and their closures at every level of
 * the stream; one driven through `pushTo` holds nothing while it waits but the stream's
 * fields, which is most of what an idle watcher of a busy server costs. A stream is
 * consumed one way, once: iterated, or pushed to one sink. It ends as its iterator would
 * (done, failed, or when the signal it was made with aborts).
 */
export interface PushStream<T> extends AsyncIterable<T> {
  pushTo(sink: StreamSink<T>): void;
}

/** Whether `stream` can be driven through `pushTo`. */
export function isPushStream<T>(stream: AsyncIterable<T>): stream is PushStream<T> {
  return typeof (stream as Partial<PushStream<T>>).pushTo === "function";
}
