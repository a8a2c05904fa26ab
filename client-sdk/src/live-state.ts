/**
 * State that changes over time, read the way React's `useSyncExternalStore` (and most UI
 * libraries' stores) read it: the same snapshot object until something changed.
 */
export interface LiveState<T> {
  /** The current state; a new object only after a change. */
  getSnapshot(): T;
  /** Calls `listener` after each change; answers the function that stops it. */
  subscribe(listener: () => void): () => void;
}

/** A LiveState the owner writes to. */
export interface WritableLiveState<T> extends LiveState<T> {
  update(change: (current: T) => T): void;
}

/** Holds one value; a change to a different object tells every listener. */
export function liveState<T>(initial: T): WritableLiveState<T> {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    getSnapshot: () => value,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    update(change) {
      const next = change(value);
      if (Object.is(next, value)) return;
      value = next;
      for (const listener of [...listeners]) listener();
    },
  };
}

/** How long the last listener may be gone before the work stops: a remount in between (React's StrictMode) keeps it running. */
const LINGER_MS = 50;

/**
 * A `subscribe` for `state` that runs `start` when the first listener arrives and `stop` a
 * moment after the last one left: streams open only while someone shows the state, and a
 * server render, which never subscribes, opens none.
 */
export function subscribeWhileListened<T>(
  state: LiveState<T>,
  start: () => void,
  stop: () => void,
): LiveState<T>["subscribe"] {
  let listeners = 0;
  let running = false;
  let lingering: ReturnType<typeof setTimeout> | undefined;
  return (listener) => {
    const unsubscribe = state.subscribe(listener);
    listeners += 1;
    clearTimeout(lingering);
    if (!running) {
      running = true;
      start();
    }
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      unsubscribe();
      listeners -= 1;
      if (listeners === 0)
        lingering = setTimeout(() => {
          running = false;
          stop();
        }, LINGER_MS);
    };
  };
}
