// Checks a built @natter/client for leaks: no server, database or hashing type or module may
// appear in its declarations or code, and it may import nothing but its peers.
// Usage: node check-dist.mjs [distDir]  (exits 1 and lists the leaks when there are any)
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Names that must not appear anywhere in the package's files. */
const FORBIDDEN = [
  /@natter\/(server|db|shared)/,
  /kysely/i,
  /better-sqlite3/,
  /argon2/,
  /trpc-to-openapi/,
  /\bzod\b/,
  /\b(Services|AccountsService|RequestContext|AuthSession|ProcedureMeta|Database)\b/,
];
/** What the package may import: its peers and its own files. */
const ALLOWED_IMPORTS = /^(@trpc\/client|@trpc\/server|ws|\.\.?\/.*)$/;
/** Browser-only globals: the SDK and the hooks run where there are none (React Native, servers). */
const DOM_GLOBALS = /\b(window|document|localStorage|sessionStorage|navigator)\s*[.[]/;

/**
 * Every leak in `distDir`, as "file: what" lines; empty when the package is clean. Other
 * packages (@natter/react) pass what they may import.
 */
export function findLeaks(distDir, allowedImports = ALLOWED_IMPORTS) {
  const leaks = [];
  for (const file of readdirSync(distDir, { recursive: true })) {
    if (!/\.(js|d\.ts)$/.test(file)) continue;
    const text = readFileSync(join(distDir, file), "utf8");
    for (const pattern of FORBIDDEN) {
      const match = text.match(pattern);
      if (match) leaks.push(`${file}: names ${match[0]}`);
    }
    const dom = file.endsWith(".js") ? text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "").match(DOM_GLOBALS) : null;
    if (dom) leaks.push(`${file}: uses ${dom[0]}`);
    for (const [, specifier] of text.matchAll(/(?:from\s+|import\s*\(\s*)["']([^"']+)["']/g)) {
      if (!allowedImports.test(specifier)) leaks.push(`${file}: imports ${specifier}`);
    }
  }
  return leaks;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const distDir = resolve(process.argv[2] ?? join(fileURLToPath(import.meta.url), "../../dist"));
  const leaks = findLeaks(distDir);
  if (leaks.length > 0) {
    console.error(`@natter/client leaks into its build:\n  ${leaks.join("\n  ")}`);
    process.exit(1);
  }
  console.log(`@natter/client build is clean: ${distDir}`);
}
