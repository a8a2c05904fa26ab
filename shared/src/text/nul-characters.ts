/**
 * Where a request's input holds NUL (U+0000), as dotted field paths (`""` for the input
 * itself). No text natter stores or looks up may hold NUL: PostgreSQL's text types cannot
 * (error 22021) while SQLite can, so the API refuses it in every string at its edge, and the
 * same input gets the same answer on both engines. Looks `maxDepth` levels deep; deeper input
 * is refused by every schema anyway.
 */
export function nulCharacterPaths(value: unknown, maxDepth = 32): string[] {
  const found: string[] = [];
  const visit = (inner: unknown, path: string, depth: number): void => {
    if (typeof inner === "string") {
      if (inner.includes("\u0000")) found.push(path);
      return;
    }
    if (typeof inner !== "object" || inner === null || depth >= maxDepth) return;
    for (const [key, item] of Object.entries(inner)) {
      visit(item, path === "" ? key : `${path}.${key}`, depth + 1);
    }
  };
  visit(value, "", 0);
  return found;
}

/** What a field holding NUL is told. */
export const NUL_CHARACTER_REFUSAL = "must not contain NUL (U+0000)";
