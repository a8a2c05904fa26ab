import { defineConfig } from "vitest/config";

/** Tests load the workspace packages' TypeScript sources, never their compiled dist/. */
// The rest is Vite's default server list, which setting `conditions` would otherwise replace.
const conditions = ["natter-source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["natter-source"] } },
  test: {
    include: ["*/src/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    globalSetup: ["./test/src/harness/build-server.ts"],
    reporters: ["default", "./test/src/reporters/closing-line-reporter.ts"],
  },
});
