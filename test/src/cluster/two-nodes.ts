import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ConfigInput } from "natter";
import { afterAll, beforeAll } from "vitest";
import {
  createTestDatabase,
  roomEventsReadFromLog,
  startTestServer,
  TEST_REDIS_URL,
  type TestDatabase,
  type TestServer,
  testRedisPrefix,
  wsClient,
} from "../harness/index.js";

/** Two nodes of one deployment, for the tests of the `describe` that made them. */
export interface TwoNodes {
  readonly a: TestServer;
  readonly b: TestServer;
  /** A WebSocket client of `url` signed in with `token`, closed after the tests. */
  connect(url: string, token: string): ReturnType<typeof wsClient>["client"];
  /** Answers `closable`, closed after the tests (before the nodes stop). */
  closeAfter<T extends { close(): void }>(closable: T): T;
  /** `roomEventsReadFromLog` of each node, `[a, b]`. */
  roomEventsReadFromLog(): Promise<number[]>;
}

/**
 * Starts two nodes on the suite's database (a SQLite file both open, or one PostgreSQL
 * database) and one Redis prefix before the tests of the calling `describe`, rate limits off,
 * and stops them after. The first node migrates the database alone; the second finds it
 * migrated. Call it inside a `describe` that is skipped when Redis is unavailable. `extra`:
 * more settings for both nodes.
 */
export function twoNodes(name: string, extra: ConfigInput = {}): TwoNodes {
  const dir = mkdtempSync(join(tmpdir(), `natter-${name}-nodes-`));
  const prefix = testRedisPrefix();
  let database: TestDatabase | undefined;
  let a: TestServer | undefined;
  let b: TestServer | undefined;
  const clients: Array<{ close(): void }> = [];

  beforeAll(async () => {
    database = await createTestDatabase(dir);
    const config = { ...extra, redisUrl: TEST_REDIS_URL, redisPrefix: prefix, rateLimits: "off" as const };
    a = await startTestServer({ dir: join(dir, "a"), database, config });
    b = await startTestServer({ dir: join(dir, "b"), database, config });
  }, 60_000);
  afterAll(async () => {
    for (const client of clients) client.close();
    await b?.stop();
    await a?.stop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const closeAfter = <T extends { close(): void }>(closable: T): T => {
    clients.push(closable);
    return closable;
  };
  const started = (node: TestServer | undefined) => {
    if (!node) throw new Error("the nodes start in beforeAll");
    return node;
  };
  return {
    get a() {
      return started(a);
    },
    get b() {
      return started(b);
    },
    connect: (url, token) => closeAfter(wsClient(url, { token })).client,
    closeAfter,
    roomEventsReadFromLog: () => Promise.all([a, b].map((node) => roomEventsReadFromLog(started(node).url))),
  };
}
