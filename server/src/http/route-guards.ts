import type { IncomingMessage } from "node:http";
import { NatterError, NUL_CHARACTER_REFUSAL } from "@natter/shared";

/** Refuses a method the path does not serve (405, naming those it does). */
export function onlyMethods(req: IncomingMessage, allowed: readonly string[]): void {
  if (!allowed.includes(req.method ?? "")) {
    throw new NatterError("METHOD_NOT_ALLOWED", `${req.method} is not allowed here; use ${allowed.join(" or ")}`);
  }
}

/**
 * The query of a plain route, which takes only the `allowed` parameters, each at most once:
 * anything else is a mistake worth naming (VALIDATION_FAILED), not ignoring. A value holding
 * NUL is refused as every procedure's input is (`nulCharacterPaths`).
 */
export function refuseQuery(search: string, allowed: readonly string[] = []): URLSearchParams {
  const params = new URLSearchParams(search);
  const seen = new Set<string>();
  const issues: { path: string; message: string }[] = [];
  for (const key of params.keys()) {
    if (seen.has(key)) continue;
    seen.add(key);
    if (!allowed.includes(key)) issues.push({ path: key, message: "unknown query parameter" });
    else if (params.getAll(key).length > 1) issues.push({ path: key, message: "given more than once" });
    else if (params.get(key)?.includes("\u0000")) issues.push({ path: key, message: NUL_CHARACTER_REFUSAL });
  }
  if (issues.length > 0) throw new NatterError("VALIDATION_FAILED", "Input validation failed", { issues });
  return params;
}
