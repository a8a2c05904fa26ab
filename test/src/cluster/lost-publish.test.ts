import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CliServer,
  createTestDatabase,
  deleteRedisKeys,
  redisUnavailable,
  roomEventsReadFromLog,
  signUpMany,
  startCliServer,
  TEST_REDIS_URL,
  type TestDatabase,
  testRedisPrefix,
  wsClient,
} from "../harness/index.js";
import { newRoom, send, watchRoom } from "../messages/room-fixtures.js";

const redisMissing = await redisUnavailable();

/**
 * A node whose publishes never reach the watchers' node: it shares their database but not
 * their Redis prefix, as a node killed between its commit and its publish would. The
 * watchers must learn of its commits from the room's log, within 2 s.
 */
describe.skipIf(redisMissing !== undefined)("events whose publish was lost", () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-lost-publish-"));
  /** The suite's engine: a SQLite file all nodes open, or one PostgreSQL database. */
  let database: TestDatabase;
  const [watchersPrefix, silentPrefix] = [testRedisPrefix(), testRedisPrefix()];
  let watchersNode: CliServer;
  let silentNode: CliServer;
  const clients: Array<{ close(): void }> = [];
  const node = (prefix: string) =>
    startCliServer({
      databaseUrl: database.url,
      uploadsDir: join(dir, "uploads"),
      env: { NATTER_REDIS_URL: TEST_REDIS_URL, NATTER_REDIS_PREFIX: prefix, NATTER_RATE_LIMITS: "off" },
    });

  beforeAll(async () => {
    database = await createTestDatabase(dir);
    watchersNode = await node(watchersPrefix);
    silentNode = await node(silentPrefix);
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await Promise.all([watchersNode?.stop(), silentNode?.stop()]);
    await Promise.all([deleteRedisKeys(watchersPrefix), deleteRedisKeys(silentPrefix)]);
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reach every watcher within 2 s, once each and in seq order", async () => {
    const [owner, member] = await signUpMany(watchersNode.url, 2);
    const roomId = await newRoom(watchersNode.url, owner, { members: [member] });
    const watches = [owner, member].map((user) => {
      const client = wsClient(watchersNode.url, { token: user.token });
      clients.push(client);
      return watchRoom(client.client, roomId, "0");
    });
    for (const watch of watches) await watch.until("the room's log", (events) => events.length === 2);
    const readBefore = await roomEventsReadFromLog(watchersNode.url);

    for (let round = 0; round < 3; round += 1) {
      const message = await send(silentNode.url, owner, roomId, `unpublished ${round}`);
      const sentAt = Date.now();
      for (const watch of watches) {
        await watch.until(`seq ${message.seq}`, (events) => events.some((event) => event.seq === message.seq));
      }
      expect(Date.now() - sentAt).toBeLessThan(2000);
    }
    // A message published as usual still arrives at once, next to the ones read from the log.
    const published = await send(watchersNode.url, member, roomId, "published");
    for (const watch of watches) {
      await watch.until("the published one", (events) => events.some((event) => event.seq === published.seq));
      expect(watch.events.map((event) => event.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    }
    // Operators see each loss: the three events read from the log, once each for the node's two watchers.
    expect((await roomEventsReadFromLog(watchersNode.url)) - readBefore).toBe(3);
  });

  it("reach every watcher when they follow published ones, as the last of a burst or amid it", async () => {
    const [owner, member] = await signUpMany(watchersNode.url, 2);
    const roomId = await newRoom(watchersNode.url, owner, { members: [member] });
    const client = wsClient(watchersNode.url, { token: member.token });
    clients.push(client);
    const watch = watchRoom(client.client, roomId, "0");
    await watch.until("the room's log", (events) => events.length === 2);
    // The room is heard from on the bus right before each loss: the tail reads it once it is quiet.
    for (let round = 0; round < 3; round += 1) {
      const published = await send(watchersNode.url, owner, roomId, `published ${round}`);
      await watch.until(`seq ${published.seq}`, (events) => events.some((event) => event.seq === published.seq));
      const lost = await send(silentNode.url, owner, roomId, `unpublished ${round}`);
      await watch.until(`seq ${lost.seq}`, (events) => events.some((event) => event.seq === lost.seq));
    }
    // Losses amid published events: each is a gap before the next published one.
    for (let round = 0; round < 3; round += 1) {
      await send(silentNode.url, owner, roomId, `unpublished amid ${round}`);
      await send(watchersNode.url, owner, roomId, `published amid ${round}`);
    }
    await watch.until("the burst", (events) => events.length === 14);
    expect(watch.events.map((event) => event.seq)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
  });
});
