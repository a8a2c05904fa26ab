import { connect } from "node:net";
import { configDefaults, defineConfig } from "vitest/config";

/** Tests load the workspace packages' TypeScript sources, never their compiled dist/. */
// The rest is Vite's default server list (which setting `conditions` replaces) without "module": packages
// that point "module" at bundler-only builds (the AWS SDK's dist-es, extensionless imports) would reach Node.
const conditions = ["natter-source", "node", "development|production"];

const E2E = ["test/src/**/*.test.ts"];
/** Counterparts of SQLite-only tests, for properties that matter on PostgreSQL too. */
const POSTGRES_ONLY = ["test/src/**/*.postgres.test.ts"];
/**
 * Tests of SQLite itself, or of things that never reach the suite's engine; each property
 * that matters on PostgreSQL has a `*.postgres.test.ts` counterpart.
 */
const NOT_ON_POSTGRES = [
  // SQLite files and their internals: byte scans, the online backup API, a crash on one file,
  // two processes on one file.
  "test/src/**/*.sqlite.test.ts",
  "test/src/backup.test.ts",
  "test/src/crash/**",
  "test/src/sqlite-concurrency.test.ts",
  // The published package run by npx on its default SQLite file; the web bundle's size.
  "test/src/packaging/**",
  "test/src/web/bundle-size.test.ts",
];

const postgresUrl = process.env.NATTER_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const postgresDown = await unreachable(postgresUrl);
// A developer without PostgreSQL still runs everything else; CI machines have it, so there the
// project runs and fails loudly if the server is missing.
const runPostgres = postgresDown === null || process.env.CI === "true";
if (!runPostgres) {
  console.warn(
    `\n!!! e2e-postgres SKIPPED: PostgreSQL at ${new URL(postgresUrl).host} is unreachable (${postgresDown}).` +
      "\n!!! Start PostgreSQL or set NATTER_TEST_POSTGRES_URL to run the suite on it too; under CI=true it runs and fails.\n",
  );
}

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
        // Black-box tests against real servers, some of them spawned from the compiled CLI, on SQLite.
        extends: true,
        test: {
          name: "e2e",
          include: E2E,
          exclude: [...configDefaults.exclude, ...POSTGRES_ONLY],
          globalSetup: ["./test/src/harness/build-server.ts"],
        },
      },
      ...(runPostgres
        ? [
            {
              // The same tests with every server on a PostgreSQL database of its own.
              extends: true as const,
              test: {
                name: "e2e-postgres",
                include: E2E,
                exclude: [...configDefaults.exclude, ...NOT_ON_POSTGRES],
                globalSetup: ["./test/src/harness/build-server.ts"],
                env: { NATTER_TEST_DATABASE: "postgres", NATTER_TEST_POSTGRES_URL: postgresUrl },
              },
            },
          ]
        : []),
    ],
  },
});

/** Why nothing accepts connections at the URL's host and port, or null if something does. */
function unreachable(url: string): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 5432), timeout: 2000 });
    socket.once("connect", () => {
      socket.end();
      resolve(null);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve("no answer within 2 s");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}
