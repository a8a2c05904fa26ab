import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WS_CLOSE_CODES } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CliServer,
  createTestDatabase,
  deleteRedisKeys,
  redisUnavailable,
  rest,
  signUp,
  startCliServer,
  TEST_REDIS_URL,
  type TestDatabase,
  testRedisPrefix,
  watchingClient,
  wsClient,
} from "../harness/index.js";
import { newRoom, send, watchRoom } from "../messages/room-fixtures.js";

const redisMissing = await redisUnavailable();

describe.skipIf(redisMissing !== undefined)("account deletion across two nodes", () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-account-deletion-"));
  let database: TestDatabase;
  const prefix = testRedisPrefix();
  const nodes: CliServer[] = [];
  const closers: Array<() => void> = [];

  const startNode = () =>
    startCliServer({
      databaseUrl: database.url,
      uploadsDir: join(dir, "uploads"),
      env: { NATTER_REDIS_URL: TEST_REDIS_URL, NATTER_REDIS_PREFIX: prefix },
    });

  beforeAll(async () => {
    database = await createTestDatabase(dir);
    nodes.push(await startNode());
    nodes.push(await startNode());
  }, 60_000);
  afterAll(async () => {
    for (const close of closers) close();
    await Promise.all(nodes.map((each) => each.stop()));
    await deleteRedisKeys(prefix);
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("closes the person's sockets on B within 1 s of DELETE /me on A; B's watchers see the bodies go", async () => {
    const [a, b] = nodes as [CliServer, CliServer];
    const alice = await signUp(a.url);
    const bob = await signUp(a.url);
    const roomId = await newRoom(a.url, alice, { members: [bob] });
    const message = await send(a.url, alice, roomId, "secret on A");
    const socket = await watchingClient(b.url, alice.token);
    closers.push(socket.close);
    const bobs = wsClient(b.url, { token: bob.token });
    closers.push(bobs.close);
    const watch = watchRoom(bobs.client, roomId, String(message.seq));
    await send(a.url, bob, roomId, "heard on B");
    await watch.until("B's watcher to go live", (events) => events.length > 0);
    const started = Date.now();
    const deleted = await rest(a.url, "DELETE", "/me", { token: alice.token, body: { password: alice.password } });
    expect(deleted.status).toBe(200);
    expect(await socket.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await rest(b.url, "GET", "/me", { token: alice.token })).status).toBe(401);
    await watch.until("alice's message deleted on B", (events) =>
      events.some((event) => event.type === "message.deleted" && event.messageId === message.id),
    );
    const room = await rest(b.url, "GET", `/rooms/${roomId}`, { token: bob.token });
    expect(room.body.room.ownerId).toBe(bob.id);
  });
});
