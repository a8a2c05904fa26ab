/** One thing the server needs before it can serve: the database, Redis. */
export interface ReadinessCheck {
  name: string;
  /** Resolves when ready; rejects with the reason otherwise. */
  check(): Promise<void>;
}

/**
 * How long a check may take: a dependency that does not answer by then is not ready, and
 * `/readyz` answers within a second whatever is down.
 */
const CHECK_TIMEOUT_MS = 750;

/** The outcome of every check, run together, each bounded in time. */
export async function checkReadiness(
  checks: readonly ReadinessCheck[],
  timeoutMs = CHECK_TIMEOUT_MS,
): Promise<{ ready: boolean; checks: Record<string, string> }> {
  const outcomes = await Promise.all(
    checks.map(async ({ name, check }) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([check(), timeout]);
        return [name, "ok"] as const;
      } catch (error) {
        return [name, error instanceof Error ? error.message : String(error)] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: outcomes.every(([, outcome]) => outcome === "ok"), checks: Object.fromEntries(outcomes) };
}
