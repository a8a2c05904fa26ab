// The size of @natter/react as an app's bundler ships it: bundled with esbuild, minified and
// gzipped, its peers left out; the budget is 6 KB (6,000 bytes) gzipped. Printed by every
// build; `printSize()` answers the gzipped bytes.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const dist = fileURLToPath(new URL("../dist", import.meta.url));
const PEERS = ["react", "@natter/client", "@tanstack/react-query", "@trpc/client", "@trpc/server"];
export const BUDGET_BYTES = 6_000;

async function gzippedBytes(external) {
  const result = await build({
    entryPoints: [`${dist}/index.js`],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    external,
    write: false,
  });
  const code = result.outputFiles[0].contents;
  return { minified: code.length, gzipped: gzipSync(code).length };
}

/** Prints the package's size, alone and with tRPC's TanStack Query integration (its one dependency); answers its own gzipped bytes. */
export async function printSize() {
  if (!existsSync(`${dist}/index.js`))
    throw new Error("dist/ is missing: run `pnpm --filter @natter/react build` first");
  const own = await gzippedBytes([...PEERS, "@trpc/tanstack-react-query"]);
  const withIntegration = await gzippedBytes(PEERS);
  console.log(
    `@natter/react: ${own.minified} B minified, ${own.gzipped} B min+gzip (budget ${BUDGET_BYTES} B), peers excluded; ` +
      `${withIntegration.gzipped} B min+gzip with @trpc/tanstack-react-query bundled in`,
  );
  return own.gzipped;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await printSize();
