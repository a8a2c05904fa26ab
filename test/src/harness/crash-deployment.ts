import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CliServer, freePort, startCliServer } from "./cli-server.js";
import { createTestDatabase, type TestDatabase } from "./test-database.js";
import { deleteRedisKeys, TEST_REDIS_URL, TEST_WITH_REDIS, testRedisPrefix } from "./test-redis.js";

/**
 * The nodes of a crash test: compiled-CLI servers on one database of the suite's engine (a file on
 * SQLite; PostgreSQL with a Redis key prefix of its own), which the test starts and kills with
 * SIGKILL. Rate limits are off: these tests are about durability.
 */
export interface CrashDeployment {
  /** The nodes started since the last {@link CrashDeployment.reset}, killed ones included; tests may replace entries. */
  readonly nodes: CliServer[];
  /**
   * Starts a try from nothing and answers its database URL: kills the nodes of the last try and
   * drops its database. CI runs a failed test once more, and a retry that reused the first try's
   * nodes would talk to the first try's database.
   */
  reset(): Promise<string>;
  /** Starts a node on the current database, on `port` (a restart) or a free one; it is not added to {@link nodes}. */
  serve(port?: number): Promise<CliServer>;
  /** Kills every node, drops the database and deletes the Redis keys and files. */
  close(): Promise<void>;
}

/** A crash deployment whose nodes run with `env` besides the database, Redis and uploads settings. */
export function crashDeployment(name: string, env: Record<string, string> = {}): CrashDeployment {
  const dir = mkdtempSync(join(tmpdir(), `natter-${name}-`));
  const prefix = testRedisPrefix();
  const nodes: CliServer[] = [];
  let database: TestDatabase | undefined;
  const killNodes = () => Promise.all(nodes.splice(0).map((node) => node.kill()));
  return {
    nodes,
    async reset() {
      await killNodes();
      await database?.drop();
      database = await createTestDatabase(dir);
      return database.url;
    },
    async serve(port) {
      if (!database) throw new Error("crashDeployment: reset() first");
      return startCliServer({
        port: port ?? (await freePort()),
        databaseUrl: database.url,
        uploadsDir: join(dir, "uploads"),
        env: {
          NATTER_RATE_LIMITS: "off",
          ...env,
          ...(TEST_WITH_REDIS && { NATTER_REDIS_URL: TEST_REDIS_URL, NATTER_REDIS_PREFIX: prefix }),
        },
      });
    },
    async close() {
      await killNodes();
      if (TEST_WITH_REDIS) await deleteRedisKeys(prefix);
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
