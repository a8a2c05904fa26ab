import type { LiveState } from "@natter/client";
import { useEffect, useState } from "preact/hooks";

/** A value that tells its listeners when it changes. */
export interface Observable<T> {
  get(): T;
  set(next: T): void;
  update(change: (current: T) => T): void;
  subscribe(listener: (value: T) => void): () => void;
}

/** Holds one value; `set` with a different value notifies every listener. */
export function observable<T>(initial: T): Observable<T> {
  let value = initial;
  const listeners = new Set<(value: T) => void>();
  const set = (next: T) => {
    if (Object.is(next, value)) return;
    value = next;
    for (const listener of listeners) listener(value);
  };
  return {
    get: () => value,
    set,
    update: (change) => set(change(value)),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The current value of an observable; the component renders again when it changes. */
export function useObservable<T>(source: Observable<T>): T {
  const [value, setValue] = useState(source.get());
  useEffect(() => {
    setValue(source.get());
    return source.subscribe(setValue);
  }, [source]);
  return value;
}

/** The current state of one of the SDK's live states; the component renders again when it changes. */
export function useLiveState<T>(source: LiveState<T>): T {
  const [value, setValue] = useState(source.getSnapshot());
  useEffect(() => {
    setValue(source.getSnapshot());
    return source.subscribe(() => setValue(source.getSnapshot()));
  }, [source]);
  return value;
}
