// Prints the size of @natter/client as an app's bundler would ship it: each entry point
// bundled with esbuild, minified and gzipped, its peers (tRPC, ws) left out.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const dist = fileURLToPath(new URL("../dist", import.meta.url));
if (!existsSync(`${dist}/index.js`)) {
  console.error("dist/ is missing: run `pnpm --filter @natter/client build` first");
  process.exit(1);
}

for (const [entry, platform] of [
  ["index.js", "browser"],
  ["node.js", "node"],
]) {
  const result = await build({
    entryPoints: [`${dist}/${entry}`],
    bundle: true,
    minify: true,
    format: "esm",
    platform,
    external: ["@trpc/client", "@trpc/server", "ws"],
    write: false,
  });
  const code = result.outputFiles[0].contents;
  const kib = (bytes) => `${(bytes / 1024).toFixed(2)} KiB`;
  console.log(
    `${entry} (${platform}): ${kib(code.length)} minified, ${kib(gzipSync(code).length)} gzipped, peers excluded`,
  );
}
