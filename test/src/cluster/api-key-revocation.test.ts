import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WS_CLOSE_CODES } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { botWithKey, revokeKey } from "../bots/bot-fixtures.js";
import {
  type CliServer,
  createTestDatabase,
  deleteRedisKeys,
  grantServerAdmin,
  redisUnavailable,
  rest,
  signUp,
  startCliServer,
  TEST_REDIS_URL,
  type TestDatabase,
  type TestUser,
  testRedisPrefix,
  watchingClient,
} from "../harness/index.js";
import { newRoom, send, waitFor } from "../messages/room-fixtures.js";
import { openStream, roomEventsOf } from "../sse/event-stream-fixtures.js";

const redisMissing = await redisUnavailable();

describe.skipIf(redisMissing !== undefined)("API key revocation and bot deletion across two nodes", () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-keys-"));
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

  /**
   * A bot with a key, watching a room on B over a WebSocket and an event stream; `end(admin,
   * bot, keyId)` runs on A and must close both within 1 s, after which B refuses the key.
   */
  async function closesOnB(end: (a: CliServer, admin: TestUser, bot: TestUser, keyId: string) => Promise<void>) {
    const [a, b] = nodes as [CliServer, CliServer];
    const admin = await signUp(a.url);
    await grantServerAdmin(database.url, admin.username);
    const owner = await signUp(a.url);
    const { bot, keyId } = await botWithKey(a.url, admin, ["users:read", "messages:read"]);
    const roomId = await newRoom(a.url, owner, { members: [bot] });
    const socket = await watchingClient(b.url, bot.token);
    closers.push(socket.close);
    const stream = await openStream(b.url, roomId, { token: bot.token });
    closers.push(stream.close);
    await send(a.url, owner, roomId, "heard on B");
    await waitFor("B's stream to carry the message", () => roomEventsOf(stream.events).length > 0);
    const started = Date.now();
    const ending = end(a, admin, bot, keyId);
    expect(await socket.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    await stream.closed;
    expect(Date.now() - started).toBeLessThan(1000);
    await ending;
    expect((await rest(b.url, "GET", "/me", { token: bot.token })).status).toBe(401);
  }

  it("closes a key's WebSocket and event stream on B within 1 s of its revocation on A", () =>
    closesOnB((a, admin, bot, keyId) => revokeKey(a.url, admin, bot, keyId)));

  it("closes a deleted bot's WebSocket and event stream on B within 1 s of its deletion on A", () =>
    // The sockets close as the keys are revoked, before the rooms are scrubbed and the call answers.
    closesOnB(async (a, admin, bot) => {
      const deleted = await rest(a.url, "DELETE", `/admin/bots/${bot.id}`, { token: admin.token });
      expect(deleted.status).toBe(200);
    }));
});
