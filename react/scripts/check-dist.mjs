// Checks a built @natter/react with the SDK's checker: no server, database or hashing code or
// type, no browser-only global (React Native has none), and no import but its peers and tRPC's
// TanStack Query integration.
// Usage: node check-dist.mjs [distDir]  (exits 1 and lists the leaks when there are any)
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { findLeaks as findAnyLeaks } from "../../client-sdk/scripts/check-dist.mjs";

const ALLOWED_IMPORTS =
  /^(react|react\/jsx-runtime|@natter\/client|@tanstack\/react-query|@trpc\/client|@trpc\/server|@trpc\/tanstack-react-query|\.\.?\/.*)$/;

/** Every leak in `distDir`, as "file: what" lines; empty when the package is clean. */
export const findLeaks = (distDir) => findAnyLeaks(distDir, ALLOWED_IMPORTS);

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const distDir = resolve(process.argv[2] ?? join(fileURLToPath(import.meta.url), "../../dist"));
  const leaks = findLeaks(distDir);
  if (leaks.length > 0) {
    console.error(`@natter/react leaks into its build:\n  ${leaks.join("\n  ")}`);
    process.exit(1);
  }
  console.log(`@natter/react build is clean: ${distDir}`);
}
