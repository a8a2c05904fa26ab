import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RoomPresence } from "@natter/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createTestDatabase,
  deleteRedisKeys,
  httpClient,
  redisUnavailable,
  rest,
  signUp,
  startTestServer,
  TEST_REDIS_URL,
  type TestServer,
  testRedisPrefix,
  wsClient,
} from "./harness/index.js";
import { newRoom, waitFor } from "./messages/room-fixtures.js";
import { openStream } from "./sse/event-stream-fixtures.js";

type Client = ReturnType<typeof wsClient>;

/** Who REST says is watching, as the holder of `token`. */
async function presenceOf(baseUrl: string, roomId: string, token?: string): Promise<RoomPresence> {
  const res = await rest(baseUrl, "GET", `/rooms/${roomId}/presence`, { token });
  if (res.status !== 200) throw new Error(`presence: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.presence;
}

/** Asks for presence until it matches: a watcher's end reaches presence a moment after the client lets go. */
function presenceUntil(
  what: string,
  ask: () => Promise<RoomPresence>,
  matches: (presence: RoomPresence) => boolean,
): Promise<RoomPresence> {
  return vi.waitFor(
    async () => {
      const presence = await ask();
      if (!matches(presence)) throw new Error(`still waiting for ${what}: ${JSON.stringify(presence)}`);
      return presence;
    },
    { timeout: 20_000, interval: 20 },
  );
}

/** Opens `rooms.signals` on `client` and waits for its snapshot: from then on the watcher is present. */
async function watchSignals(client: Client, roomId: string): Promise<{ unsubscribe(): void }> {
  let started = false;
  const subscription = client.client.rooms.signals.subscribe(
    { roomId },
    {
      onData: (signal) => {
        if (signal.type === "snapshot") started = true;
      },
    },
  );
  await waitFor("the signals snapshot", () => started);
  return subscription;
}

describe("presence over REST and tRPC", () => {
  let server: TestServer;
  const clients: Client[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(() => server.stop());

  const connect = (token?: string) => {
    const client = wsClient(server.url, token ? { token } : {});
    clients.push(client);
    return client;
  };

  it("names the users watching rooms.signals (each once) and counts anonymous ones; event streams are not presence", async () => {
    const [owner, member] = await Promise.all([signUp(server.url), signUp(server.url)]);
    const roomId = await newRoom(server.url, owner, { members: [member] });
    expect(await presenceOf(server.url, roomId)).toEqual({ roomId, users: [], userCount: 0, anonymousCount: 0 });

    await watchSignals(connect(owner.token), roomId);
    await watchSignals(connect(owner.token), roomId);
    const memberWatch = await watchSignals(connect(member.token), roomId);
    await watchSignals(connect(), roomId);
    const stream = await openStream(server.url, roomId, { token: member.token });
    expect(stream.status).toBe(200);
    const anonymousStream = await openStream(server.url, roomId);

    const presence = await presenceOf(server.url, roomId, member.token);
    expect(presence.userCount).toBe(2);
    expect(presence.anonymousCount).toBe(1);
    expect(presence.users.map((u) => u.userId).sort()).toEqual([owner.id, member.id].sort());
    expect(presence.users.find((u) => u.userId === owner.id)?.username).toBe(owner.username);

    // Over tRPC, the same answer.
    expect(await httpClient(server.url, owner.token).rooms.presence.query({ roomId })).toEqual({ presence });

    memberWatch.unsubscribe();
    const after = await presenceUntil(
      "the member to leave",
      () => presenceOf(server.url, roomId),
      (p) => p.userCount === 1,
    );
    expect(after.users.map((u) => u.userId)).toEqual([owner.id]);
    stream.close();
    anonymousStream.close();
  });

  it("is read as the room is: a closed room does not exist to anyone but its members", async () => {
    const [owner, member, stranger] = await Promise.all([signUp(server.url), signUp(server.url), signUp(server.url)]);
    const roomId = await newRoom(server.url, owner, { open: false, members: [member] });
    await watchSignals(connect(owner.token), roomId);
    for (const token of [undefined, stranger.token]) {
      const res = await rest(server.url, "GET", `/rooms/${roomId}/presence`, { token });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("ROOM_NOT_FOUND");
    }
    expect((await presenceOf(server.url, roomId, member.token)).users.map((u) => u.userId)).toEqual([owner.id]);
    const missing = await rest(server.url, "GET", "/rooms/no-such-room/presence");
    expect(missing.body.error.code).toBe("ROOM_NOT_FOUND");
  });
});

const redisMissing = await redisUnavailable();

describe.skipIf(redisMissing !== undefined)("presence across two nodes on one Redis", () => {
  const prefix = testRedisPrefix();
  const dir = mkdtempSync(join(tmpdir(), "natter-presence-"));
  let nodes: TestServer[] = [];
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  const clients: Client[] = [];
  afterAll(async () => {
    for (const client of clients) client.close();
    for (const node of nodes) await node.stop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
    await deleteRedisKeys(prefix);
  });

  it("tells, on a node nobody watches through, who watches through the other", async () => {
    database = await createTestDatabase(dir);
    const config = { redisUrl: TEST_REDIS_URL, redisPrefix: prefix };
    nodes = [await startTestServer({ dir, database, config }), await startTestServer({ dir, database, config })];
    const [watched, other] = nodes as [TestServer, TestServer];
    const owner = await signUp(watched.url);
    const roomId = await newRoom(watched.url, owner);
    const client = wsClient(watched.url, { token: owner.token });
    clients.push(client);
    await watchSignals(client, roomId);

    const seen = await presenceUntil(
      "the other node to see the watcher",
      () => presenceOf(other.url, roomId),
      (p) => p.userCount === 1,
    );
    expect(seen.users.map((u) => u.userId)).toEqual([owner.id]);
    client.close();
    await presenceUntil(
      "the watcher to be gone there too",
      () => presenceOf(other.url, roomId),
      (p) => p.userCount === 0,
    );
  });
});
