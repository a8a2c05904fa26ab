import { WS_CLOSE_CODES } from "@natter/shared";
import { describe, expect, it } from "vitest";
import { botWithKey, revokeKey } from "../bots/bot-fixtures.js";
import {
  grantServerAdmin,
  redisUnavailable,
  rest,
  signUp,
  type TestServer,
  type TestUser,
  watchingClient,
} from "../harness/index.js";
import { newRoom, send, waitFor } from "../messages/room-fixtures.js";
import { openStream, roomEventsOf } from "../sse/event-stream-fixtures.js";
import { twoNodes } from "./two-nodes.js";

const redisMissing = await redisUnavailable();

describe.skipIf(redisMissing !== undefined)("API key revocation and bot deletion across two nodes", () => {
  const nodes = twoNodes("api-keys");

  /**
   * A bot with a key, watching a room on B over a WebSocket and an event stream; `end(admin,
   * bot, keyId)` runs on A and must close both within 1 s, after which B refuses the key.
   */
  async function closesOnB(end: (a: TestServer, admin: TestUser, bot: TestUser, keyId: string) => Promise<void>) {
    const { a, b } = nodes;
    const admin = await signUp(a.url);
    await grantServerAdmin(a.databaseUrl, admin.username);
    const owner = await signUp(a.url);
    const { bot, keyId } = await botWithKey(a.url, admin, ["users:read", "messages:read"]);
    const roomId = await newRoom(a.url, owner, { members: [bot] });
    const socket = nodes.closeAfter(await watchingClient(b.url, bot.token));
    const stream = nodes.closeAfter(await openStream(b.url, roomId, { token: bot.token }));
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
