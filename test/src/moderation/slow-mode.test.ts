import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  createTestDatabase,
  deleteRedisKeys,
  ManualClock,
  rest,
  signUpMany,
  startTestServer,
  TEST_WITH_REDIS,
  type TestDatabase,
  type TestServer,
  type TestUser,
  testRedisPrefix,
} from "../harness/index.js";

/*
 * Slow mode: a room's owner or admins set `slowModeSeconds`; a member who sent less than that
 * long ago gets 429 SLOW_MODE with Retry-After. Two nodes share one database (and, on the
 * PostgreSQL suite, one Redis) and one manual clock: a send on one node counts on the other,
 * as the gap is read from the database inside the send's transaction.
 */
interface Schema {
  properties?: Record<string, unknown>;
}

/** The parts of /openapi.json these tests read. */
interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: unknown;
        responses: Record<string, { description: string; headers?: Record<string, unknown>; content?: unknown }>;
      }
    >
  >;
  components: { schemas: Record<string, Schema> };
}

describe("slow mode", () => {
  const clock = new ManualClock(Date.parse("2026-06-01T12:00:00.000Z"));
  const dir = mkdtempSync(join(tmpdir(), "natter-slow-mode-"));
  const redisPrefix = testRedisPrefix();
  let database: TestDatabase;
  let nodeA: TestServer;
  let nodeB: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase(dir);
    const config = TEST_WITH_REDIS ? { redisPrefix } : {};
    nodeA = await startTestServer({ clock, dir, database, config });
    nodeB = await startTestServer({ clock, dir, database, config });
  });
  afterAll(async () => {
    await nodeA?.stop();
    await nodeB?.stop();
    if (TEST_WITH_REDIS) await deleteRedisKeys(redisPrefix);
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A room with an owner, an admin and a member. */
  const roomOfThree = async () => {
    const [owner, admin, member] = await signUpMany(nodeA.url, 3);
    const room = await createRoom(nodeA.url, owner.token, { memberIds: [admin.id, member.id] });
    await rest(nodeA.url, "PUT", `/rooms/${room.id}/members/${admin.id}`, {
      token: owner.token,
      body: { role: "admin" },
    });
    return { room, owner, admin, member };
  };
  const setSlowMode = (url: string, roomId: string, as: TestUser, slowModeSeconds: unknown) =>
    rest(url, "PATCH", `/rooms/${roomId}`, { token: as.token, body: { slowModeSeconds } });
  const send = (url: string, roomId: string, as: TestUser, body = "hello") =>
    rest(url, "POST", `/rooms/${roomId}/messages`, { token: as.token, body: { body } });

  it("is set by owners and admins and shown on the room; members may not set it", async () => {
    const { room, owner, admin, member } = await roomOfThree();
    expect(room.slowModeSeconds).toBe(0);
    const byOwner = await setSlowMode(nodeA.url, room.id, owner, 30);
    expect(byOwner.status).toBe(200);
    expect(byOwner.body.room.slowModeSeconds).toBe(30);
    expect((await setSlowMode(nodeB.url, room.id, admin, 45)).body.room.slowModeSeconds).toBe(45);
    const byMember = await setSlowMode(nodeA.url, room.id, member, 0);
    expect(byMember.status).toBe(403);
    expect(byMember.body.error.code).toBe("FORBIDDEN");
    expect((await rest(nodeB.url, "GET", `/rooms/${room.id}`)).body.room.slowModeSeconds).toBe(45);
    for (const bad of [-1, 3601, 1.5]) {
      const refused = await setSlowMode(nodeA.url, room.id, owner, bad);
      expect(refused.status, String(bad)).toBe(400);
      expect(refused.body.error.code).toBe("VALIDATION_FAILED");
    }
    expect((await setSlowMode(nodeA.url, room.id, owner, 3600)).body.room.slowModeSeconds).toBe(3600);
  });

  it("makes a member wait between messages, counted across both nodes, with Retry-After", async () => {
    const { room, owner, member } = await roomOfThree();
    await setSlowMode(nodeA.url, room.id, owner, 30);
    expect((await send(nodeA.url, room.id, member, "first")).status).toBe(201);

    const tooSoon = await send(nodeB.url, room.id, member, "second");
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.body.error.code).toBe("SLOW_MODE");
    expect(tooSoon.headers.get("retry-after")).toBe("30");
    expect(tooSoon.body.error.retryAfterSeconds).toBe(30);

    clock.advance(10_500);
    const stillTooSoon = await send(nodeA.url, room.id, member, "second");
    expect(stillTooSoon.status).toBe(429);
    expect(stillTooSoon.headers.get("retry-after")).toBe("20");

    clock.advance(19_500);
    expect((await send(nodeB.url, room.id, member, "second")).status).toBe(201);
    expect((await send(nodeA.url, room.id, member, "third")).status).toBe(429);
    // The refused sends stored nothing.
    const history = await rest(nodeA.url, "GET", `/rooms/${room.id}/messages?limit=10`, { token: member.token });
    expect(history.body.messages.map((m: { body: string }) => m.body).sort()).toEqual(["first", "second"]);
  });

  it("lets one of two racing sends through when they land on different nodes", async () => {
    const { room, owner, member } = await roomOfThree();
    await setSlowMode(nodeA.url, room.id, owner, 60);
    const answers = await Promise.all([
      send(nodeA.url, room.id, member, "a"),
      send(nodeB.url, room.id, member, "b"),
      send(nodeA.url, room.id, member, "c"),
      send(nodeB.url, room.id, member, "d"),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 429, 429, 429]);
  });

  it("leaves owners and admins free, and ends when set to 0", async () => {
    const { room, owner, admin, member } = await roomOfThree();
    await setSlowMode(nodeA.url, room.id, owner, 600);
    for (const who of [owner, admin, owner, admin]) {
      expect((await send(nodeB.url, room.id, who)).status).toBe(201);
    }
    expect((await send(nodeA.url, room.id, member)).status).toBe(201);
    expect((await send(nodeA.url, room.id, member)).status).toBe(429);
    await setSlowMode(nodeB.url, room.id, admin, 0);
    expect((await send(nodeA.url, room.id, member)).status).toBe(201);
    expect((await send(nodeB.url, room.id, member)).status).toBe(201);
  });

  it("is documented on messages.send and the room in /openapi.json", async () => {
    const document = (await (await fetch(`${nodeA.url}/openapi.json`)).json()) as OpenApiDocument;
    const refused = document.paths["/rooms/{roomId}/messages"]?.post?.responses["429"];
    expect(refused?.description).toContain("SLOW_MODE");
    expect(refused?.headers?.["Retry-After"]).toBeDefined();
    expect(JSON.stringify(refused?.content)).toContain("SLOW_MODE");
    // The room object, however the document names it: the schema with a member count.
    const roomSchemas = Object.values(document.components.schemas).filter(
      (schema) => schema.properties?.memberCount !== undefined,
    );
    expect(roomSchemas.length).toBeGreaterThan(0);
    for (const schema of roomSchemas) {
      expect(schema.properties?.slowModeSeconds).toMatchObject({ minimum: 0, maximum: 3600 });
    }
    expect(JSON.stringify(document.paths["/rooms/{roomId}"]?.patch?.requestBody)).toContain("slowModeSeconds");
  });
});
