/** A stretch of a body, and whether the search matched it. */
export interface BodyPart {
  text: string;
  matched: boolean;
}

/**
 * Cuts a body into stretches at the search's highlight ranges (`[start, end)`, UTF-16 code
 * units, sorted): the app renders each as text, the matched ones marked, never as markup.
 * Ranges out of order or beyond the body are clipped rather than trusted.
 */
export function highlightParts(body: string, ranges: readonly (readonly number[])[]): BodyPart[] {
  const parts: BodyPart[] = [];
  let at = 0;
  for (const [rawStart = 0, rawEnd = 0] of ranges) {
    // An empty or backward range marks nothing (and must not move past text still to show).
    if (rawEnd <= rawStart) continue;
    const start = Math.max(at, Math.min(rawStart, body.length));
    const end = Math.max(start, Math.min(rawEnd, body.length));
    if (start > at) parts.push({ text: body.slice(at, start), matched: false });
    if (end > start) parts.push({ text: body.slice(start, end), matched: true });
    at = end;
  }
  if (at < body.length) parts.push({ text: body.slice(at), matched: false });
  return parts;
}
