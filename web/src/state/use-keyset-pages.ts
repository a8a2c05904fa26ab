import { useEffect, useState } from "preact/hooks";
import { errorText } from "../failures/error-text.js";

/** What one page of a keyset listing gives: its items and the cursor of the next (`null` at the end). */
export interface KeysetPage<T> {
  items: T[];
  nextCursor: string | null;
}

/** A keyset listing as shown so far, and the way to show its next page. */
export interface KeysetPages<T> {
  items: readonly T[];
  /** `undefined` before the first page arrives, `null` once the last one has. */
  cursor: string | null | undefined;
  error: string | null;
  busy: boolean;
  loadMore(): void;
  /**
   * Reads the first page again and shows it on top: its items as they now are, in its order,
   * then the items shown before that it no longer holds (they moved further down).
   */
  refresh(): Promise<void>;
}

/**
 * Loads a keyset listing page after page: the first page when the component mounts, the next
 * on `loadMore`. An item that moved between pages (by the time the next was read) shows once,
 * where it was first seen.
 */
export function useKeysetPages<T>(
  loadPage: (cursor: string | undefined) => Promise<KeysetPage<T>>,
  keyOf: (item: T) => string,
): KeysetPages<T> {
  const [items, setItems] = useState<T[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async (from: string | undefined) => {
    setBusy(true);
    try {
      const page = await loadPage(from);
      setItems((shown) => {
        const seen = new Set(shown.map(keyOf));
        return [...shown, ...page.items.filter((item) => !seen.has(keyOf(item)))];
      });
      setCursor(page.nextCursor);
      setError(null);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  const refresh = async () => {
    try {
      const page = await loadPage(undefined);
      const fresh = new Set(page.items.map(keyOf));
      setItems((shown) => [...page.items, ...shown.filter((item) => !fresh.has(keyOf(item)))]);
      // Past the first page, "more" goes on from where it was.
      setCursor((current) => (current === undefined || current === null ? page.nextCursor : current));
      setError(null);
    } catch (failure) {
      setError(errorText(failure));
    }
  };

  useEffect(() => {
    void load(undefined);
  }, []);

  return { items, cursor, error, busy, loadMore: () => void (cursor && load(cursor)), refresh };
}
