import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const testDir = fileURLToPath(new URL("..", import.meta.url));
/** The test-only workspace package that holds React 18 (test/react18). */
const react18Dir = fileURLToPath(new URL("../../react18/", import.meta.url));
const fromReact18 = createRequire(`${react18Dir}package.json`);
const packageDir = (name: string) => dirname(fromReact18.resolve(`${name}/package.json`));

/** Where each React package of version 18 is installed. */
const REACT_18 = {
  react: packageDir("react"),
  "react-dom": packageDir("react-dom"),
  "react-test-renderer": packageDir("react-test-renderer"),
};

/**
 * How the bundle is made:
 * - `react18-node`: for Node with a DOM added (happy-dom), as an ES module;
 * - `react-native`: as a React Native app's bundler (Metro) makes one: the `react-native`
 *   export condition, no Node built-ins, `process.env.NODE_ENV` inlined, one CommonJS script.
 */
export type HookBundleTarget = "react18-node" | "react-native";

/**
 * Bundles `entry` (TypeScript, importing from the workspace as a test file does) with every
 * `react`, `react-dom` and `react-test-renderer` import — @natter/react's, TanStack Query's,
 * Testing Library's — pointed at React 18: one copy of React, 18, however the workspace's own
 * packages resolve it (they have 19). @natter/react and @natter/client are built from source.
 */
export async function bundleHooks(entry: string, target: HookBundleTarget): Promise<string> {
  const native = target === "react-native";
  const result = await build({
    stdin: { contents: entry, resolveDir: testDir, loader: "ts", sourcefile: "hook-bundle-entry.ts" },
    bundle: true,
    write: false,
    alias: REACT_18,
    logLevel: "silent",
    ...(native
      ? {
          platform: "neutral",
          format: "cjs",
          conditions: ["react-native", "import", "default"],
          mainFields: ["react-native", "module", "main"],
          define: { "process.env.NODE_ENV": '"development"' },
        }
      : {
          platform: "node",
          format: "esm",
          // Only the SDK's fallback WebSocket (`ws`), never loaded: the tests pass theirs.
          external: ["ws"],
          // Testing Library's CommonJS modules `require` what they do not bundle.
          banner: {
            js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
          },
        }),
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error("esbuild wrote no bundle");
  return output.text;
}
