import { readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { availableParallelism } from "node:os";
import { configDefaults, defineConfig } from "vitest/config";

/** Tests load the workspace packages' TypeScript sources, never their compiled dist/. */
// The rest is Vite's default server list (which setting `conditions` replaces) without "module": packages
// that point "module" at bundler-only builds (the AWS SDK's dist-es, extensionless imports) would reach Node.
const conditions = ["natter-source", "node", "development|production"];

const E2E = ["test/src/**/*.test.ts"];
/**
 * Tests that pack workspace packages: each pack runs the package's `prepack`, which deletes and
 * rebuilds its `dist/` — the compiled server every CLI-spawning test runs. They run alone, after
 * every other project (`groupOrder`), so no server starts from a half-written `dist/`.
 */
const PACKING = ["test/src/packaging/**/*.test.ts", "test/src/sdk/consumer.test.ts"];
/** Counterparts of SQLite-only tests, for properties that matter on PostgreSQL too. */
const POSTGRES_ONLY = ["**/*.postgres.test.ts"];
/**
 * Tests of SQLite itself, or of things that never reach the suite's engine; each property
 * that matters on PostgreSQL has a `*.postgres.test.ts` counterpart.
 */
const NOT_ON_POSTGRES = [
  // SQLite files and their internals: byte scans of the file and its WAL, the online backup API
  // (PostgreSQL has pg_dump).
  "test/src/**/*.sqlite.test.ts",
  "test/src/backup.test.ts",
  // The published package run by npx on its default SQLite file; the web bundle's and @natter/react's sizes.
  "test/src/packaging/**",
  "test/src/web/bundle-size.test.ts",
  "test/src/react/package-size.test.ts",
  // @natter/react on React 18 and with React Native's globals: React versions and runtimes, not
  // engines (the React 19 hook tests run on both).
  "test/src/react/react-18-hooks.test.ts",
  "test/src/react/react-native.test.ts",
  // The export of 100,000 messages with bounded memory: seeding them takes PostgreSQL 40–65 s on a
  // loaded 2-core machine and the export 15–35 s, past the suite's budget; `bench:export` measures
  // the PostgreSQL export (throughput and the server's peak RSS) at the same size.
  "test/src/people/export-at-scale.test.ts",
];

/**
 * The files that drive Chromium, left out of the e2e project under `NATTER_TEST_BROWSER_FILES=off`:
 * CI's reruns on Node 22 and 24 (`.ci/run`), after the run on Node 20 ran them on both engines. The
 * browser is the same Debian Chromium whichever Node serves the app, and what the server does for them
 * the other e2e files call on every Node.
 */
const BROWSER_FILES = process.env.NATTER_TEST_BROWSER_FILES === "off" ? testFilesContaining("launchChromium") : [];

const postgresUrl = process.env.NATTER_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const redisUrl = process.env.NATTER_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
// Vitest loads this file more than once (once per inline project): probe and announce only the first time.
process.env.NATTER_TEST_POSTGRES_DOWN ??= (await unreachable(postgresUrl, 5432)) ?? "";
process.env.NATTER_TEST_REDIS_DOWN ??= (await unreachable(redisUrl, 6379)) ?? "";
const postgresDown = process.env.NATTER_TEST_POSTGRES_DOWN || null;
const redisDown = process.env.NATTER_TEST_REDIS_DOWN || null;
const announced = process.env.NATTER_TEST_POSTGRES_ANNOUNCED === "1";
process.env.NATTER_TEST_POSTGRES_ANNOUNCED = "1";
// The second run is the multi-node deployment: PostgreSQL with Redis. A developer without
// either still runs everything else; CI machines have both, so there the project runs and
// fails loudly if one is missing.
const runPostgres = (postgresDown === null && redisDown === null) || process.env.CI === "true";
if (!runPostgres && !announced) {
  const missing = [
    postgresDown && `PostgreSQL at ${new URL(postgresUrl).host} is unreachable (${postgresDown})`,
    redisDown && `Redis at ${new URL(redisUrl).host} is unreachable (${redisDown})`,
  ].filter(Boolean);
  console.warn(
    `\n!!! e2e-postgres (PostgreSQL with Redis) SKIPPED: ${missing.join("; ")}.` +
      "\n!!! Start them or set NATTER_TEST_POSTGRES_URL / NATTER_TEST_REDIS_URL to run the suite on them too; under CI=true it runs and fails.\n",
  );
}

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["natter-source"] } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Vitest's default (cores - 1) runs test files one at a time on a 2-core machine such as CI's, where
    // most of a file's time is spent waiting on the servers it spawned, PostgreSQL and Chromium, not on CPU.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // A worker imports the workspace's sources once and runs file after file on them, instead of
    // importing them again for every file: the e2e project on 2 cores took 61.9 s of imports for
    // 7 directories isolated and 8.3 s not (79 s in all against 28.5 s, same files, same run).
    // Every test builds its servers, databases and clients of its own, and restores any global
    // it stubs, so nothing carries from one file to the next.
    isolate: false,
    // Under CI a failed test runs once more, and the closing line names every test that passed
    // only then (FLAKY): one timing race in 2,000 tests on a loaded 2-core machine no longer fails
    // the whole run unseen, and is still reported. Locally nothing is retried.
    retry: process.env.CI === "true" ? 1 : 0,
    reporters: ["default", "./test/src/reporters/closing-line-reporter.ts"],
    projects: [
      {
        // The fast loop: tests colocated with each package's sources, no server process.
        extends: true,
        test: {
          name: "unit",
          include: ["*/src/**/*.test.ts"],
          globalSetup: ["./test/src/harness/checkout-guard.ts"],
          exclude: [...configDefaults.exclude, "test/**", ...POSTGRES_ONLY],
        },
      },
      {
        // Black-box tests against real servers, some of them spawned from the compiled CLI, on SQLite.
        extends: true,
        test: {
          name: "e2e",
          include: E2E,
          exclude: [...configDefaults.exclude, ...POSTGRES_ONLY, ...PACKING, ...BROWSER_FILES],
          globalSetup: ["./test/src/harness/build-server.ts", "./test/src/harness/checkout-guard.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "packaging",
          include: PACKING,
          // One file at a time: each pack cleans and rebuilds the package's dist/ in the checkout, and
          // two files packing at once let one tarball take the other's half-deleted dist/bundle.
          fileParallelism: false,
          globalSetup: ["./test/src/harness/build-server.ts", "./test/src/harness/checkout-guard.ts"],
          sequence: { groupOrder: 1 },
        },
      },
      ...(runPostgres
        ? [
            {
              // The same tests with every server on a PostgreSQL database and a Redis key prefix of its own.
              extends: true as const,
              test: {
                name: "e2e-postgres",
                // With the PostgreSQL counterparts of unit tests that ask SQLite (query plans).
                include: [...E2E, "*/src/**/*.postgres.test.ts"],
                exclude: [...configDefaults.exclude, ...NOT_ON_POSTGRES, ...PACKING],
                globalSetup: ["./test/src/harness/build-server.ts", "./test/src/harness/checkout-guard.ts"],
                env: {
                  NATTER_TEST_DATABASE: "postgres",
                  NATTER_TEST_POSTGRES_URL: postgresUrl,
                  NATTER_TEST_REDIS: "on",
                  NATTER_TEST_REDIS_URL: redisUrl,
                },
              },
            },
          ]
        : []),
    ],
  },
});

/** The e2e test files whose source contains `text`, as paths from the checkout's root. */
function testFilesContaining(text: string): string[] {
  const root = new URL("test/src/", import.meta.url);
  return readdirSync(root, { recursive: true, encoding: "utf8" })
    .filter((path) => path.endsWith(".test.ts") && readFileSync(new URL(path, root), "utf8").includes(text))
    .map((path) => `test/src/${path}`);
}

/** Why nothing accepts connections at the URL's host and port, or null if something does. */
function unreachable(url: string, defaultPort: number): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || defaultPort), timeout: 2000 });
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
