import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestDatabase,
  deleteRedisKeys,
  redisUnavailable,
  signUp,
  startTestServer,
  TEST_REDIS_URL,
  type TestDatabase,
  type TestServer,
  testRedisPrefix,
} from "../harness/index.js";
import { png } from "./images.js";
import { upload } from "./upload-client.js";

const redisMissing = await redisUnavailable();

/** Two nodes on one database and one Redis: an account's hourly byte allowance is one, not one per node. */
describe.skipIf(redisMissing !== undefined)("the upload byte allowance across nodes", () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-shared-allowance-"));
  const prefix = testRedisPrefix();
  let database: TestDatabase;
  let nodes: TestServer[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(dir);
    const config = { redisUrl: TEST_REDIS_URL, redisPrefix: prefix, uploadBytesPerHour: 5000 };
    nodes = [await startTestServer({ dir, database, config }), await startTestServer({ dir, database, config })];
  });
  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await database?.drop();
    await deleteRedisKeys(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  it("is counted once for every node: bytes taken on one are gone on the other", async () => {
    const [first, second] = nodes as [TestServer, TestServer];
    const alice = await signUp(first.url);
    expect((await upload(first.url, alice.token, png(8, 8, 3000, 1))).status).toBe(201);
    const over = await upload(second.url, alice.token, png(8, 8, 3000, 2));
    expect([over.status, over.body.error.code]).toEqual([429, "RATE_LIMITED"]);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    const bob = await signUp(second.url);
    expect((await upload(second.url, bob.token, png(8, 8, 3000, 3))).status).toBe(201);
  });
});
