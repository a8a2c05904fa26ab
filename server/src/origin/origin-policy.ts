/**
 * Whether a browser origin may call the API or open a WebSocket: no Origin header (not a
 * browser), the server's own origin, or one the configuration allows (`*` allows all).
 */
export function isOriginAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[],
): boolean {
  if (origin === undefined) return true;
  if (allowed.includes("*") || allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
