import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestDatabase,
  deleteRedisKeys,
  type RestResponse,
  redisUnavailable,
  rest,
  startTestServer,
  TEST_REDIS_URL,
  type TestDatabase,
  type TestServer,
  testRedisPrefix,
  uniqueUsername,
} from "../harness/index.js";

const redisMissing = await redisUnavailable();
const PER_ADDRESS = 3;

/**
 * Two nodes on one database and one Redis, behind one proxy (loopback, trusted) that names
 * each client in `X-Forwarded-For`: the per-address limits on sign-ups and log-ins are one
 * allowance per client address, not one per node.
 */
describe.skipIf(redisMissing !== undefined)("per-address write limits across nodes", () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-address-limits-"));
  const prefix = testRedisPrefix();
  let database: TestDatabase;
  let nodes: [TestServer, TestServer];

  beforeAll(async () => {
    database = await createTestDatabase(dir);
    const config = {
      redisUrl: TEST_REDIS_URL,
      redisPrefix: prefix,
      trustedProxies: "127.0.0.1",
      signUpRatePerAddress: `${PER_ADDRESS}/1h`,
      logInRatePerAddress: `${PER_ADDRESS}/1h`,
    };
    nodes = [await startTestServer({ dir, database, config }), await startTestServer({ dir, database, config })];
  });
  afterAll(async () => {
    await Promise.all((nodes ?? []).map((node) => node.stop()));
    await database?.drop();
    await deleteRedisKeys(prefix);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Makes `PER_ADDRESS` writes, alternating between the nodes, then one more on each node. */
  async function overTheLimit(write: (node: TestServer) => Promise<RestResponse>, allowed: number) {
    const within: number[] = [];
    for (let i = 0; i < PER_ADDRESS; i += 1) within.push((await write(nodes[i % 2] as TestServer)).status);
    expect(within).toEqual(within.map(() => allowed));
    for (const node of nodes) {
      const refused = await write(node);
      expect([refused.status, refused.body.error.code]).toEqual([429, "RATE_LIMITED"]);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    }
  }

  /** A request from the client at `address`, as the proxy forwards it. */
  const from = (address: string) => ({ "x-forwarded-for": address });
  const password = "long enough pw";

  it("counts sign-ups from one address on every node together", async () => {
    const body = () => ({ username: uniqueUsername(), password });
    await overTheLimit((node) => rest(node.url, "POST", "/users", { body: body(), headers: from("192.0.2.1") }), 201);
    // Another address has its own allowance.
    expect((await rest(nodes[1].url, "POST", "/users", { body: body(), headers: from("192.0.2.2") })).status).toBe(201);
  });

  it("counts log-ins from one address on every node together", async () => {
    const username = uniqueUsername();
    const body = { username, password };
    expect((await rest(nodes[0].url, "POST", "/users", { body, headers: from("192.0.2.3") })).status).toBe(201);
    await overTheLimit((node) => rest(node.url, "POST", "/sessions", { body, headers: from("192.0.2.4") }), 200);
    expect((await rest(nodes[1].url, "POST", "/sessions", { body, headers: from("192.0.2.5") })).status).toBe(200);
  });
});
