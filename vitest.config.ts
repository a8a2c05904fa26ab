import { configDefaults, defineConfig } from "vitest/config";

/** Tests load the workspace packages' TypeScript sources, never their compiled dist/. */
// The rest is Vite's default server list (which setting `conditions` replaces) without "module": packages
// that point "module" at bundler-only builds (the AWS SDK's dist-es, extensionless imports) would reach Node.
const conditions = ["natter-source", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["natter-source"] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    reporters: ["default", "./test/src/reporters/closing-line-reporter.ts"],
    projects: [
      {
        // The fast loop: tests colocated with each package's sources, no server process.
        extends: true,
        test: {
          name: "unit",
          include: ["*/src/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/**"],
        },
      },
      {
        // Black-box tests against real servers, some of them spawned from the compiled CLI.
        extends: true,
        test: {
          name: "e2e",
          include: ["test/src/**/*.test.ts"],
          globalSetup: ["./test/src/harness/build-server.ts"],
        },
      },
    ],
  },
});
