import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, joinRoom, ManualClock, rest, signUp, startTestServer, type TestServer } from "../harness/index.js";

describe("member listings", () => {
  const clock = new ManualClock(Date.parse("2026-04-01T12:00:00.000Z"));
  let server: TestServer;
  let roomId: string;
  /** The room's members as the listing must order them: by joinedAt, then userId. */
  let expected: { userId: string; role: string; joinedAt: string }[];

  beforeAll(async () => {
    server = await startTestServer({ clock });
    const people = await Promise.all(Array.from({ length: 7 }, () => signUp(server.url)));
    const [owner, ...others] = people;
    if (!owner) throw new Error("no owner");
    // The creator and two initial members join at the same instant; the rest join later,
    // two more of them at one instant, so that ties are broken by user id.
    const room = await createRoom(server.url, owner.token, { memberIds: others.slice(0, 2).map((u) => u.id) });
    roomId = room.id;
    clock.advance(5000);
    await joinRoom(server.url, others[4]?.token ?? "", roomId);
    clock.advance(5000);
    await Promise.all(others.slice(2, 4).map((u) => joinRoom(server.url, u.token, roomId)));
    clock.advance(5000);
    await joinRoom(server.url, others[5]?.token ?? "", roomId);
    const promote = others[3];
    if (promote) {
      await rest(server.url, "PUT", `/rooms/${roomId}/members/${promote.id}`, {
        token: owner.token,
        body: { role: "admin" },
      });
    }
    const all = await rest(server.url, "GET", `/rooms/${roomId}/members?limit=200`);
    expected = all.body.members;
  });
  afterAll(() => server.stop());

  it("lists every member once, ordered by joinedAt then userId", () => {
    expect(expected).toHaveLength(7);
    const sorted = [...expected].sort((a, b) =>
      a.joinedAt === b.joinedAt ? (a.userId < b.userId ? -1 : 1) : a.joinedAt < b.joinedAt ? -1 : 1,
    );
    expect(expected).toEqual(sorted);
    expect(new Set(expected.map((m) => m.userId)).size).toBe(7);
    // There are ties to break: the order is not just the joining order.
    expect(new Set(expected.map((m) => m.joinedAt)).size).toBeLessThan(7);
  });

  it("pages through the same order with limit and offset, index telling where each page starts", async () => {
    const pages = [];
    for (const offset of [0, 3, 6]) {
      const res = await rest(server.url, "GET", `/rooms/${roomId}/members?limit=3&offset=${offset}`);
      expect(res.status).toBe(200);
      expect(res.body.index).toBe(offset);
      expect(res.body.total).toBe(7);
      pages.push(...res.body.members);
    }
    expect(pages).toEqual(expected);
  });

  it("answers the same page the same way every time", async () => {
    const first = await rest(server.url, "GET", `/rooms/${roomId}/members?limit=4&offset=2`);
    for (let i = 0; i < 3; i += 1) {
      expect((await rest(server.url, "GET", `/rooms/${roomId}/members?limit=4&offset=2`)).body).toEqual(first.body);
    }
    expect(first.body.members).toEqual(expected.slice(2, 6));
  });

  it("answers an empty page past the end, still telling the total", async () => {
    for (const offset of [7, 8, 1_000_000]) {
      const res = await rest(server.url, "GET", `/rooms/${roomId}/members?offset=${offset}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ members: [], index: offset, total: 7 });
    }
  });

  it("takes limits from 1 to 200 and answers anything else with 400", async () => {
    for (const limit of [1, 200]) {
      const res = await rest(server.url, "GET", `/rooms/${roomId}/members?limit=${limit}`);
      expect(res.status).toBe(200);
      expect(res.body.members).toHaveLength(Math.min(limit, 7));
    }
    for (const query of ["limit=0", "limit=201", "limit=-5", "limit=2.5", "limit=ten", "offset=-1", "offset=1.5"]) {
      const res = await rest(server.url, "GET", `/rooms/${roomId}/members?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
      expect(res.body.error.issues[0].path).toBe(query.split("=")[0]);
    }
  });

  it("lists the owner and admins the same way", async () => {
    const res = await rest(server.url, "GET", `/rooms/${roomId}/admins?limit=1&offset=1`);
    const admins = expected.filter((m) => m.role !== "member");
    expect(admins.map((m) => m.role).sort()).toEqual(["admin", "owner"]);
    expect(res.body).toEqual({ members: admins.slice(1, 2), index: 1, total: 2 });
    const past = await rest(server.url, "GET", `/rooms/${roomId}/admins?offset=2`);
    expect(past.body).toEqual({ members: [], index: 2, total: 2 });
    expect((await rest(server.url, "GET", `/rooms/${roomId}/admins?limit=0`)).status).toBe(400);
  });

  it("accepts numbers over tRPC as well", async () => {
    const input = encodeURIComponent(JSON.stringify({ roomId, limit: 2, offset: 5 }));
    const res = await fetch(`${server.url}/trpc/rooms.members?input=${input}`);
    const body = (await res.json()) as { result: { data: unknown } };
    expect(body.result.data).toEqual({ members: expected.slice(5, 7), index: 5, total: 7 });
  });
});
