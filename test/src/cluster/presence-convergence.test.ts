import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RoomPresence, RoomSignal } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createTestDatabase,
  type OwnRedis,
  rest,
  signUpMany,
  startOwnRedis,
  startTestServer,
  type TestDatabase,
  type TestServer,
  type TestUser,
  wsClient,
} from "../harness/index.js";
import { newRoom, waitFor } from "../messages/room-fixtures.js";

/** The promise of issue 26: presence seen from another node converges within this. */
const CONVERGED_WITHIN_MS = 1_000;
/**
 * Long, so that neither node beats during a test: convergence must not wait for a beat
 * (every quarter of the TTL), which is what it did.
 */
const NODE_TTL_MS = 120_000;

type Client = ReturnType<typeof wsClient>;

/**
 * Presence seen on one node of what happens on another, on a Redis of this test's own that
 * it kills and starts again: it converges within a second of a watch starting (also on a node
 * started after the other's last beat) and within a second of Redis coming back, whatever was
 * lost meanwhile.
 */
describe("presence across two nodes converges within a second", () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-presence-converges-"));
  let redis: OwnRedis;
  let database: TestDatabase;
  let earlier: TestServer;
  let later: TestServer;
  const clients: Client[] = [];

  beforeAll(async () => {
    redis = await startOwnRedis();
    database = await createTestDatabase(dir);
    const config = { redisUrl: redis.url, redisPrefix: "natter-presence:", nodeTtlMs: NODE_TTL_MS };
    // `later` starts after `earlier` beat: `earlier` learns of it only at its next beat, 30 s on.
    earlier = await startTestServer({ dir, database, config });
    later = await startTestServer({ dir, database, config });
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await later?.stop();
    await earlier?.stop();
    await redis?.stop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = (url: string, token: string) => {
    const client = wsClient(url, { token });
    clients.push(client);
    return client;
  };

  /** Watches the room's signals on `url` as `user`, resolved at the snapshot; `signals` holds all. */
  async function watch(url: string, user: TestUser, roomId: string) {
    const client = connect(url, user.token);
    const signals: RoomSignal[] = [];
    const subscription = client.client.rooms.signals.subscribe({ roomId }, { onData: (s) => signals.push(s) });
    await waitFor(`${user.username}'s snapshot`, () => signals.length > 0);
    return { client, signals, subscription };
  }

  async function presenceOn(url: string, roomId: string, token: string): Promise<RoomPresence> {
    const res = await rest(url, "GET", `/rooms/${roomId}/presence`, { token });
    if (res.status !== 200) throw new Error(`presence: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.presence;
  }

  /** How long from `since` until `url` names exactly `userIds` as present. */
  async function msUntilPresent(url: string, roomId: string, token: string, userIds: string[], since: number) {
    const expected = [...userIds].sort();
    await vi.waitFor(
      async () => {
        const present = (await presenceOn(url, roomId, token)).users.map((u) => u.userId).sort();
        expect(present).toEqual(expected);
      },
      { timeout: 10_000, interval: 20 },
    );
    return performance.now() - since;
  }

  it("shows a watch on a node started after this one's last beat, on REST and in a new watcher's snapshot", async () => {
    const [owner, observer] = await signUpMany(earlier.url, 2);
    const roomId = await newRoom(earlier.url, owner, { members: [observer] });
    const watched = await watch(later.url, owner, roomId);
    const started = performance.now();

    expect(await msUntilPresent(earlier.url, roomId, observer.token, [owner.id], started)).toBeLessThan(
      CONVERGED_WITHIN_MS,
    );
    const { signals } = await watch(earlier.url, observer, roomId);
    const snapshot = signals[0];
    expect(snapshot?.type === "snapshot" && snapshot.users.map((u) => u.userId).sort()).toEqual(
      [owner.id, observer.id].sort(),
    );
    watched.subscription.unsubscribe();
  });

  it("shows a watch that starts on the other node to a watcher here", async () => {
    const [owner, observer] = await signUpMany(earlier.url, 2);
    const roomId = await newRoom(earlier.url, owner, { members: [observer] });
    const { signals } = await watch(earlier.url, observer, roomId);
    await watch(later.url, owner, roomId);
    const started = performance.now();
    await waitFor("the owner joining", () =>
      signals.some((s) => s.type === "presence.joined" && s.user.userId === owner.id),
    );
    expect(performance.now() - started).toBeLessThan(CONVERGED_WITHIN_MS);
  });

  it("converges on both nodes within a second of Redis coming back, after a watcher left during the outage", async () => {
    const [owner, stayer, leaver, observer] = await signUpMany(earlier.url, 4);
    const roomId = await newRoom(earlier.url, owner, { members: [stayer, leaver, observer] });
    const { signals } = await watch(earlier.url, observer, roomId);
    await watch(later.url, stayer, roomId);
    const leaving = await watch(later.url, leaver, roomId);
    await waitFor("both watchers on the other node present here", () =>
      [stayer.id, leaver.id].every((id) => signals.some((s) => s.type === "presence.joined" && s.user.userId === id)),
    );

    await redis.kill();
    leaving.client.close();
    // The node it watched through knows at once (its own view): the leave has happened there.
    await vi.waitFor(
      async () => {
        const present = (await presenceOn(later.url, roomId, stayer.token)).users.map((u) => u.userId);
        expect(present).not.toContain(leaver.id);
      },
      { timeout: 10_000, interval: 20 },
    );
    // Nothing of it reached the other node while Redis was down.
    expect(signals.some((s) => s.type === "presence.left")).toBe(false);

    // A Redis that comes back empty, as a restarted one without persistence does.
    await redis.start();
    const back = performance.now();
    await waitFor(
      "the leave reaching the watcher on the other node",
      () => signals.some((s) => s.type === "presence.left" && s.userId === leaver.id),
      10_000,
    );
    expect(performance.now() - back).toBeLessThan(CONVERGED_WITHIN_MS);
    const present = [stayer.id, observer.id];
    expect(await msUntilPresent(earlier.url, roomId, observer.token, present, back)).toBeLessThan(CONVERGED_WITHIN_MS);
    expect(await msUntilPresent(later.url, roomId, stayer.token, present, back)).toBeLessThan(CONVERGED_WITHIN_MS);
    // No one else's presence changed on the way.
    expect(
      signals.filter((s) => s.type === "presence.left").map((s) => s.type === "presence.left" && s.userId),
    ).toEqual([leaver.id]);
  });
});
