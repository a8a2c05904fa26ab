import { useEffect, useState } from "preact/hooks";
import { errorText } from "./error-text.js";

/**
 * A component's last failed action: `attempt(action)` runs it, clears the failure when it
 * succeeds (true) and keeps a readable one when it fails (false).
 */
export function useFailure() {
  const [error, setError] = useState<string | null>(null);
  const attempt = async (action: () => Promise<unknown>): Promise<boolean> => {
    try {
      await action();
      setError(null);
      return true;
    } catch (failure) {
      setError(errorText(failure));
      return false;
    }
  };
  return { error, attempt, setError };
}

/** A failure, announced to screen readers as it appears. */
export function ErrorLine({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error}
    </p>
  );
}

/**
 * What `fetch` answers, fetched when the component appears and again when `deps` change or
 * `reload()` is called; null until the first answer. A failure shows as `error`, as in `useFailure`.
 */
export function useLoaded<T>(fetch: () => Promise<T>, deps: readonly unknown[]) {
  const [value, setValue] = useState<T | null>(null);
  const failure = useFailure();
  const reload = () => failure.attempt(async () => setValue(await fetch()));
  useEffect(() => {
    void reload();
  }, deps);
  return { value, reload, ...failure };
}
