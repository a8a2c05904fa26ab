import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const serverDir = fileURLToPath(new URL("..", import.meta.url));

/** Where the bundle is written; `bin/natter.js` runs its `main.js`. */
export const BUNDLE_DIR = "dist/bundle";

/**
 * Packages left to Node at run time: native addons (their `.node` files cannot be inlined),
 * the AWS SDK (loaded only when S3 is configured, and larger than the rest of natter
 * together), pino-pretty (only for pretty logs) and ws's optional native helpers.
 */
const EXTERNAL = ["better-sqlite3", "@node-rs/argon2", "@aws-sdk/*", "pino-pretty", "bufferutil", "utf-8-validate"];

/**
 * One ES module graph for `natter` instead of some thousand files: starting the server then
 * spends its time running natter rather than resolving, reading and linking modules. Every
 * module the CLI reaches is followed from its entry point, so new code needs no list here;
 * dynamic `import()`s become chunks loaded when reached (the server is not loaded for `--help`).
 */
export async function bundleServer(): Promise<void> {
  rmSync(join(serverDir, BUNDLE_DIR), { recursive: true, force: true });
  await build({
    absWorkingDir: serverDir,
    entryPoints: { main: "src/cli/main.ts" },
    outdir: BUNDLE_DIR,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20.19",
    // The workspace packages are bundled from their sources, so the bundle never waits on tsc.
    conditions: ["natter-source"],
    external: EXTERNAL,
    sourcemap: "linked",
    sourcesContent: false,
    legalComments: "linked",
    logLevel: "warning",
    // CommonJS dependencies inlined into an ES module still call `require` for Node's built-ins.
    banner: {
      js: 'import { createRequire as __natterRequire } from "node:module";\nconst require = __natterRequire(import.meta.url);',
    },
  });
}
