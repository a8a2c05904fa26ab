import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { type Clock, type ConfigInput, createLogger, loadConfig, type NatterServer, startNatterServer } from "natter";
import { createTestDatabase, type TestDatabase } from "./test-database.js";
import { deleteRedisKeys, TEST_REDIS_URL, TEST_WITH_REDIS, testRedisPrefix } from "./test-redis.js";

/** A real natter server on an ephemeral loopback port with a database of its own, on the suite's engine. */
export interface TestServer extends NatterServer {
  /** The database the server runs on (a SQLite file path, or a PostgreSQL URL). */
  databaseUrl: string;
  /** Its key prefix on Redis (`TEST_WITH_REDIS`), for a command that must reach it; undefined without Redis. */
  redisPrefix: string | undefined;
  /** Closes the server and deletes its files and database (unless they are the caller's). */
  stop(): Promise<void>;
}

export interface TestServerOptions {
  clock?: Clock;
  config?: ConfigInput;
  /** Receives every log line at `warn` level and above, as pino writes it (JSON). */
  logLines?: string[];
  /**
   * A directory of the caller's for the uploads (and the SQLite file), and with it a
   * database of the caller's, both kept after `stop()` to start again on them; fresh ones
   * by default.
   */
  dir?: string;
  database?: TestDatabase;
}

/**
 * The configuration of a test server: its database, its uploads directory, a free port on
 * loopback, no logs, and with `TEST_WITH_REDIS` a Redis key prefix of its own; then the
 * test's own settings. The one place that says what a test server runs on.
 */
export function testServerConfig(database: TestDatabase, dir: string, config: ConfigInput = {}): ConfigInput {
  return {
    port: 0,
    host: "127.0.0.1",
    databaseUrl: database.url,
    uploadsDir: join(dir, "uploads"),
    logLevel: "silent",
    ...(TEST_WITH_REDIS && { redisUrl: TEST_REDIS_URL, redisPrefix: testRedisPrefix() }),
    ...config,
  };
}

/** Starts a server for one test file; call `stop()` in `afterAll`. */
export async function startTestServer({
  clock,
  config = {},
  logLines,
  dir: ownDir,
  database: ownDatabase,
}: TestServerOptions = {}): Promise<TestServer> {
  const dir = ownDir ?? mkdtempSync(join(tmpdir(), "natter-test-"));
  const database = ownDatabase ?? (await createTestDatabase(dir));
  const serverConfig = testServerConfig(database, dir, config);
  const cleanUp = async () => {
    if (serverConfig.redisUrl && serverConfig.redisPrefix) await deleteRedisKeys(serverConfig.redisPrefix);
    if (!ownDatabase) await database.drop();
    if (!ownDir) rmSync(dir, { recursive: true, force: true });
  };
  let server: NatterServer;
  try {
    server = await startNatterServer({
      config: loadConfig(serverConfig, {}),
      ...(clock && { clock }),
      ...(logLines && { logger: createLogger("warn", linesSink(logLines)) }),
    });
  } catch (error) {
    await cleanUp();
    throw error;
  }
  return {
    ...server,
    databaseUrl: database.url,
    redisPrefix: serverConfig.redisPrefix,
    async stop() {
      await server.close();
      await cleanUp();
    },
  };
}

function linesSink(lines: string[]): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
}
