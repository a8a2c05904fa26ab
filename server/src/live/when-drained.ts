/** A writable stream as far as waiting for it to drain goes (a `ServerResponse`, a `net.Socket`). */
export interface DrainableStream {
  readonly writableNeedDrain: boolean;
  readonly destroyed: boolean;
  once(event: "drain" | "close", listener: () => void): unknown;
  off(event: "drain" | "close", listener: () => void): unknown;
}

/**
 * Resolves once `stream` has written out what it buffered (or closed); undefined when it
 * takes more now. What a replay waits on between writes: a backlog is written as fast as its
 * reader reads it, never queued whole into the buffer, past which a reader counts as too slow.
 */
export function whenDrained(stream: DrainableStream): Promise<void> | undefined {
  if (!stream.writableNeedDrain || stream.destroyed) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.once("drain", done);
    stream.once("close", done);
  });
}
