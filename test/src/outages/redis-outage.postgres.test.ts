import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  type OwnRedis,
  rest,
  signUp,
  startOwnRedis,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";

/**
 * Redis going down under a running node, for real: a redis-server of this test's own is
 * killed (connections refused) or frozen (connections open, nothing answered). Sends and
 * log-ins need only the database: they go on, answered as soon as they commit. Typing needs
 * Redis: it answers 503 UNAVAILABLE with `Retry-After`. `/readyz` says so within a second.
 */
describe("a Redis outage", () => {
  let redis: OwnRedis;
  let server: TestServer;
  let dir: string;
  let owner: TestUser;
  let roomId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "natter-redis-outage-"));
    redis = await startOwnRedis();
    server = await startTestServer({ dir, config: { redisUrl: redis.url, redisPrefix: "natter-outage:" } });
    owner = await signUp(server.url);
    roomId = (await createRoom(server.url, owner.token)).id;
  });
  afterAll(async () => {
    redis?.thaw();
    await server?.stop();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (body: string, signal?: AbortSignal) =>
    fetch(`${server.url}/api/v1/rooms/${roomId}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${owner.token}` },
      body: JSON.stringify({ body }),
      ...(signal && { signal }),
    });

  it("keeps sends and log-ins going, answers typing 503 UNAVAILABLE with Retry-After, and /readyz 503 within a second", async () => {
    expect((await rest(server.url, "POST", `/rooms/${roomId}/typing`, { token: owner.token })).status).toBe(200);
    await redis.kill();
    try {
      await duringTheOutage();
    } finally {
      await redis.start();
    }
    await expect.poll(async () => (await fetch(`${server.url}/readyz`)).status, { timeout: 10_000 }).toBe(200);
    await expect
      .poll(async () => (await rest(server.url, "POST", `/rooms/${roomId}/typing`, { token: owner.token })).status, {
        timeout: 10_000,
      })
      .toBe(200);
  });

  async function duringTheOutage() {
    expect((await send("while Redis is down")).status).toBe(201);
    const logIn = await rest(server.url, "POST", "/sessions", {
      body: { username: owner.username, password: owner.password },
    });
    expect(logIn.status).toBe(200);
    const typing = await rest(server.url, "POST", `/rooms/${roomId}/typing`, { token: owner.token });
    expect(typing.status).toBe(503);
    expect(typing.body.error.code).toBe("UNAVAILABLE");
    expect(Number(typing.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const presence = await rest(server.url, "GET", `/rooms/${roomId}/presence`, { token: owner.token });
    expect([200, 503]).toContain(presence.status);
    if (presence.status === 503) expect(presence.body.error.code).toBe("UNAVAILABLE");

    const asked = performance.now();
    const ready = await fetch(`${server.url}/readyz`);
    const tookMs = performance.now() - asked;
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as any).checks.redis).not.toBe("ok");
    // The promise /readyz makes to load balancers, not a benchmark: its checks time out at 750 ms.
    expect(tookMs).toBeLessThan(1_000);
  }

  it("answers a send once it is committed while Redis takes commands but answers none (frozen)", async () => {
    await expect.poll(async () => (await fetch(`${server.url}/readyz`)).status, { timeout: 10_000 }).toBe(200);
    redis.freeze();
    try {
      // Before: the answer waited for the publish, which a frozen Redis never answers.
      const answer = await send("while Redis is frozen", AbortSignal.timeout(15_000));
      expect(answer.status).toBe(201);
      const page = await rest(server.url, "GET", `/rooms/${roomId}/messages`, { token: owner.token });
      expect(page.body.messages.map((m: { body: string }) => m.body)).toContain("while Redis is frozen");
    } finally {
      redis.thaw();
    }
  });
});
