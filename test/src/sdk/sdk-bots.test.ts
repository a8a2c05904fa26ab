import { createNatterClient, isNatterError, type NatterClient } from "@natter/client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { grantServerAdmin, startTestServer, type TestServer, uniqueUsername } from "../harness/index.js";

const WAIT = { timeout: 20_000, interval: 10 };

describe("@natter/client with bots and API keys", () => {
  let server: TestServer;
  const clients: NatterClient[] = [];
  const connect = (token?: string, tokens: Array<string | null> = []) => {
    const client = createNatterClient({ url: server.url, token: token ?? null, onTokenChange: (t) => tokens.push(t) });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await server.stop();
  });

  it("manages bots and keys typed, and runs a client on a key until it is revoked", async () => {
    const admin = connect();
    const adminName = uniqueUsername("sdkadmin");
    await admin.signUp(adminName, "correct horse battery");
    await grantServerAdmin(server.databaseUrl, adminName);
    const { bot } = await admin.trpc.bots.create.mutate({ username: uniqueUsername("sdkbot"), displayName: "CI" });
    expect(bot.isBot).toBe(true);
    const { key, apiKey } = await admin.trpc.bots.createKey.mutate({
      userId: bot.id,
      name: "ci",
      scopes: ["messages:write", "messages:read", "rooms:read", "users:read"],
    });
    const { room } = await admin.trpc.rooms.create.mutate({ name: "builds", memberIds: [bot.id] });

    const tokens: Array<string | null> = [];
    const asBot = connect(key, tokens);
    expect((await asBot.trpc.users.me.query()).user.isBot).toBe(true);
    const heard: string[] = [];
    const watch = asBot.watchRoom(room.id, {
      onEvent: (event) => {
        if (event.type === "message.created") heard.push(event.message.body ?? "");
      },
    });
    // Without `afterSeq` the watch starts after the room's newest event as it reads it: sent
    // before that read, the message would be behind the watch's start and never heard.
    await vi.waitFor(() => expect(watch.state).toBe("open"), WAIT);
    await asBot.sendMessage(room.id, "build 42 passed");
    await vi.waitFor(() => expect(heard).toEqual(["build 42 passed"]), WAIT);
    const refused = await asBot.trpc.rooms.create.mutate({ name: "mine" }).catch((error: unknown) => error);
    expect(isNatterError(refused, "INSUFFICIENT_SCOPE")).toBe(true);

    await admin.trpc.bots.revokeKey.mutate({ userId: bot.id, keyId: apiKey.id });
    // The live connection closes as a logged-out session's does: the client forgets the key.
    await vi.waitFor(() => expect(tokens).toContain(null), WAIT);
    watch.stop();
  });
});
