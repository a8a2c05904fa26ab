import { type ApiKeyScope, NatterError } from "@natter/shared";
import type { AuthSession } from "./auth-session.js";

/**
 * Refuses a caller signed in with an API key that lacks `scope` (403 INSUFFICIENT_SCOPE); a
 * `scope` left undefined refuses every key (deny by default). Session tokens always pass.
 */
export function requireScope(session: AuthSession | null, scope: ApiKeyScope | undefined): void {
  if (!session?.scopes) return;
  if (scope !== undefined && session.scopes.includes(scope)) return;
  throw new NatterError(
    "INSUFFICIENT_SCOPE",
    scope === undefined ? "API keys cannot do this" : `This API key lacks the scope ${scope}`,
    scope === undefined ? undefined : { requiredScope: scope },
  );
}
