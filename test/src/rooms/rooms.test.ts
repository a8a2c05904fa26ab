import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, httpClient, joinRoom, rest, signUp, startTestServer, type TestServer } from "../harness/index.js";

describe("rooms", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  describe("create", () => {
    it("creates an open room owned by the caller (201), named after its creator by default", async () => {
      const alice = await signUp(server.url);
      const res = await rest(server.url, "POST", "/rooms", { token: alice.token, body: {} });
      expect(res.status).toBe(201);
      expect(res.body.room).toMatchObject({
        name: `Room by ${alice.username}`,
        open: true,
        ownerId: alice.id,
        memberCount: 1,
      });
      expect(typeof res.body.room.id).toBe("string");
      expect(Date.parse(res.body.room.createdAt)).not.toBeNaN();
    });

    it("creates a closed room with members, deduplicated, named after them", async () => {
      const [alice, bob, carol] = await Promise.all([signUp(server.url), signUp(server.url), signUp(server.url)]);
      const res = await rest(server.url, "POST", "/rooms", {
        token: alice.token,
        body: { open: false, memberIds: [bob.id, carol.id, bob.id, alice.id] },
      });
      expect(res.status).toBe(201);
      expect(res.body.room).toMatchObject({
        name: `${alice.username}, ${bob.username}, ${carol.username}`,
        open: false,
        memberCount: 3,
      });
      const members = await rest(server.url, "GET", `/rooms/${res.body.room.id}/members`, { token: bob.token });
      expect(members.body.members.map((m: any) => [m.userId, m.role]).sort()).toEqual(
        [
          [alice.id, "owner"],
          [bob.id, "member"],
          [carol.id, "member"],
        ].sort(),
      );
    });

    it("keeps a given name, trimmed, and rejects bad names", async () => {
      const alice = await signUp(server.url);
      const ok = await rest(server.url, "POST", "/rooms", { token: alice.token, body: { name: "  general  " } });
      expect(ok.body.room.name).toBe("general");
      for (const name of ["", "   ", "x".repeat(101), 5]) {
        const bad = await rest(server.url, "POST", "/rooms", { token: alice.token, body: { name } });
        expect(bad.status).toBe(400);
        expect(bad.body.error.code).toBe("VALIDATION_FAILED");
        expect(bad.body.error.issues[0].path).toBe("name");
      }
    });

    it("names the unknown member ids with a 400", async () => {
      const [alice, bob] = await Promise.all([signUp(server.url), signUp(server.url)]);
      const res = await rest(server.url, "POST", "/rooms", {
        token: alice.token,
        body: { memberIds: [bob.id, "no-such-user", bob.id, "nobody"] },
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        code: "VALIDATION_FAILED",
        issues: [
          { path: "memberIds.1", message: "no such user" },
          { path: "memberIds.3", message: "no such user" },
        ],
      });
      const mine = await rest(server.url, "GET", "/rooms", { token: alice.token });
      expect(mine.body.rooms).toEqual([]);
    });

    it("takes only true or false for open", async () => {
      const alice = await signUp(server.url);
      for (const open of ["false", "true", 0, null]) {
        const res = await rest(server.url, "POST", "/rooms", { token: alice.token, body: { open } });
        expect(res.status).toBe(400);
        expect(res.body.error.issues[0].path).toBe("open");
      }
    });

    it("bounds the member list at 100", async () => {
      const alice = await signUp(server.url);
      const memberIds = Array.from({ length: 101 }, (_, i) => `user-${i}`);
      const res = await rest(server.url, "POST", "/rooms", { token: alice.token, body: { memberIds } });
      expect(res.status).toBe(400);
      expect(res.body.error.issues[0].path).toBe("memberIds");
    });

    it("needs a signed-in caller", async () => {
      const res = await rest(server.url, "POST", "/rooms", { body: {} });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("UNAUTHENTICATED");
    });

    it("works over tRPC too", async () => {
      const alice = await signUp(server.url);
      const { room } = await httpClient(server.url, alice.token).rooms.create.mutate({ name: "trpc", open: false });
      expect(room).toMatchObject({ name: "trpc", open: false, ownerId: alice.id, memberCount: 1 });
    });
  });

  describe("join", () => {
    it("joins an open room once, however often asked", async () => {
      const [alice, bob] = await Promise.all([signUp(server.url), signUp(server.url)]);
      const { body } = await rest(server.url, "POST", "/rooms", { token: alice.token, body: {} });
      const roomId = body.room.id;
      for (let i = 0; i < 3; i += 1) {
        const res = await rest(server.url, "POST", `/rooms/${roomId}/join`, { token: bob.token });
        expect(res.status).toBe(200);
        expect(res.body.room).toMatchObject({ id: roomId, memberCount: 2, ownerId: alice.id });
      }
      const member = await rest(server.url, "GET", `/rooms/${roomId}/members/${bob.id}`);
      expect(member.body.member).toMatchObject({ userId: bob.id, username: bob.username, role: "member" });
    });

    it("answers a closed room as if it did not exist, to a non-member", async () => {
      const [alice, bob] = await Promise.all([signUp(server.url), signUp(server.url)]);
      const { body } = await rest(server.url, "POST", "/rooms", { token: alice.token, body: { open: false } });
      const closed = await rest(server.url, "POST", `/rooms/${body.room.id}/join`, { token: bob.token });
      const missing = await rest(server.url, "POST", "/rooms/0190aaaa-0000-7000-8000-000000000000/join", {
        token: bob.token,
      });
      expect(closed.status).toBe(404);
      expect(closed.body).toEqual(missing.body);
      expect(closed.body.error.code).toBe("ROOM_NOT_FOUND");
      const again = await rest(server.url, "POST", `/rooms/${body.room.id}/join`, { token: alice.token });
      expect(again.status).toBe(200);
      expect(again.body.room.memberCount).toBe(1);
    });
  });

  describe("get", () => {
    it("shows an open room to anyone and a closed room to its members only", async () => {
      const [alice, bob] = await Promise.all([signUp(server.url), signUp(server.url)]);
      const open = await createRoom(server.url, alice.token, { name: "lobby" });
      const closed = await createRoom(server.url, alice.token, { name: "secret", open: false });
      expect((await rest(server.url, "GET", `/rooms/${open.id}`)).body.room).toEqual(open);
      expect((await rest(server.url, "GET", `/rooms/${closed.id}`, { token: alice.token })).body.room).toEqual(closed);
      const missing = await rest(server.url, "GET", "/rooms/0190aaaa-0000-7000-8000-000000000000");
      for (const token of [undefined, bob.token]) {
        const hidden = await rest(server.url, "GET", `/rooms/${closed.id}`, { token });
        expect(hidden.status).toBe(404);
        expect(hidden.body).toEqual(missing.body);
      }
    });
  });

  describe("list", () => {
    it("lists the caller's rooms, newest first, page by page with an opaque cursor", async () => {
      const [alice, bob] = await Promise.all([signUp(server.url), signUp(server.url)]);
      const created: string[] = [];
      for (let i = 0; i < 5; i += 1)
        created.push((await createRoom(server.url, alice.token, { open: i % 2 === 0 })).id);
      await createRoom(server.url, bob.token);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `?scope=joined&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
        const res = await rest(server.url, "GET", `/rooms${query}`, { token: alice.token });
        expect(res.status).toBe(200);
        expect(res.body.rooms.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.rooms.map((r: any) => r.id));
        cursor = res.body.nextCursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      // Newest first: ids are time-ordered (UUIDv7), and the listing is ordered by id.
      expect(seen).toEqual([...created].sort().reverse());
    });

    it("ends with a null cursor when the last page is exactly full", async () => {
      const alice = await signUp(server.url);
      await createRoom(server.url, alice.token);
      await createRoom(server.url, alice.token);
      const first = await rest(server.url, "GET", "/rooms?limit=2", { token: alice.token });
      expect(first.body.rooms).toHaveLength(2);
      expect(first.body.nextCursor).toBeNull();
    });

    it("shows all: open rooms and the caller's closed ones, never others' closed rooms", async () => {
      const [alice, bob] = await Promise.all([signUp(server.url), signUp(server.url)]);
      const bobsClosed = await createRoom(server.url, bob.token, { open: false });
      const bobsOpen = await createRoom(server.url, bob.token);
      const alicesClosed = await createRoom(server.url, alice.token, { open: false });
      const all = async (token?: string) => {
        const ids: string[] = [];
        let cursor: string | null = null;
        do {
          const res: any = await rest(
            server.url,
            "GET",
            `/rooms?scope=all&limit=200${cursor ? `&cursor=${cursor}` : ""}`,
            {
              token,
            },
          );
          ids.push(...res.body.rooms.map((r: any) => r.id));
          cursor = res.body.nextCursor;
        } while (cursor);
        return ids;
      };
      const mine = await all(alice.token);
      expect(mine).toContain(bobsOpen.id);
      expect(mine).toContain(alicesClosed.id);
      expect(mine).not.toContain(bobsClosed.id);
      const anonymous = await all();
      expect(anonymous).toContain(bobsOpen.id);
      expect(anonymous).not.toContain(alicesClosed.id);
      expect(anonymous).not.toContain(bobsClosed.id);
    });

    it("asks anonymous callers of the joined scope to sign in", async () => {
      const res = await rest(server.url, "GET", "/rooms");
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("UNAUTHENTICATED");
    });

    it("rejects limits outside 1-200, bad scopes and forged cursors with 400", async () => {
      const alice = await signUp(server.url);
      for (const query of ["limit=0", "limit=201", "limit=-1", "limit=1.5", "limit=abc", "scope=mine", "cursor=abc"]) {
        const res = await rest(server.url, "GET", `/rooms?${query}`, { token: alice.token });
        expect(res.status, query).toBe(400);
        expect(res.body.error.code).toBe("VALIDATION_FAILED");
        expect(res.body.error.issues[0].path).toBe(query.split("=")[0]);
      }
      const forged = Buffer.from("messages:0190aaaa-0000-7000-8000-000000000000").toString("base64url");
      expect((await rest(server.url, "GET", `/rooms?cursor=${forged}`, { token: alice.token })).status).toBe(400);
      for (const query of ["limit=1", "limit=200"]) {
        expect((await rest(server.url, "GET", `/rooms?${query}`, { token: alice.token })).status).toBe(200);
      }
    });
  });

  describe("update", () => {
    it("lets a member rename the room and an admin close it", async () => {
      const [alice, bob] = await Promise.all([signUp(server.url), signUp(server.url)]);
      const room = await createRoom(server.url, alice.token, { name: "before" });
      await joinRoom(server.url, bob.token, room.id);
      const renamed = await rest(server.url, "PATCH", `/rooms/${room.id}`, {
        token: bob.token,
        body: { name: "after" },
      });
      expect(renamed.status).toBe(200);
      expect(renamed.body.room).toMatchObject({ id: room.id, name: "after", open: true });
      const refused = await rest(server.url, "PATCH", `/rooms/${room.id}`, { token: bob.token, body: { open: false } });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({ code: "FORBIDDEN", requiredRole: "admin" });
      const closed = await rest(server.url, "PATCH", `/rooms/${room.id}`, {
        token: alice.token,
        body: { open: false },
      });
      expect(closed.body.room).toMatchObject({ name: "after", open: false });
      expect((await rest(server.url, "GET", `/rooms/${room.id}`)).status).toBe(404);
    });

    it("needs something to change, and a valid name", async () => {
      const alice = await signUp(server.url);
      const room = await createRoom(server.url, alice.token);
      for (const body of [{}, { name: " " }, { name: "x".repeat(101) }, { open: "yes" }]) {
        const res = await rest(server.url, "PATCH", `/rooms/${room.id}`, { token: alice.token, body });
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe("VALIDATION_FAILED");
      }
    });
  });

  describe("delete", () => {
    it("lets the owner delete the room, after which it is gone", async () => {
      const [alice, bob] = await Promise.all([signUp(server.url), signUp(server.url)]);
      const room = await createRoom(server.url, alice.token, { memberIds: [bob.id] });
      const refused = await rest(server.url, "DELETE", `/rooms/${room.id}`, { token: bob.token });
      expect(refused.status).toBe(403);
      expect(refused.body.error).toMatchObject({ code: "FORBIDDEN", requiredRole: "owner" });
      const deleted = await rest(server.url, "DELETE", `/rooms/${room.id}`, { token: alice.token });
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ roomId: room.id, deleted: true });
      expect((await rest(server.url, "GET", `/rooms/${room.id}`, { token: alice.token })).status).toBe(404);
      const again = await rest(server.url, "DELETE", `/rooms/${room.id}`, { token: alice.token });
      expect(again.body.error.code).toBe("ROOM_NOT_FOUND");
      const bobs = await rest(server.url, "GET", "/rooms", { token: bob.token });
      expect(bobs.body.rooms).toEqual([]);
    });
  });

  it("documents every rooms path in the OpenAPI document", async () => {
    const document: any = await (await fetch(`${server.url}/openapi.json`)).json();
    const paths = [
      ["post", "/rooms"],
      ["get", "/rooms"],
      ["get", "/rooms/{roomId}"],
      ["patch", "/rooms/{roomId}"],
      ["delete", "/rooms/{roomId}"],
      ["post", "/rooms/{roomId}/join"],
      ["post", "/rooms/{roomId}/leave"],
      ["get", "/rooms/{roomId}/members"],
      ["get", "/rooms/{roomId}/members/{userId}"],
      ["put", "/rooms/{roomId}/members/{userId}"],
      ["delete", "/rooms/{roomId}/members/{userId}"],
      ["get", "/rooms/{roomId}/admins"],
      ["get", "/rooms/{roomId}/owner"],
    ] as const;
    for (const [method, path] of paths) expect(document.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    const create = document.paths["/rooms"].post;
    expect(Object.keys(create.responses)).toContain("201");
    const body = create.requestBody.content["application/json"].schema;
    expect(body.properties.open).toMatchObject({ type: "boolean", default: true });
    expect(body.properties.memberIds).toMatchObject({ maxItems: 100 });
    const limit = document.paths["/rooms/{roomId}/members"].get.parameters.find((p: any) => p.name === "limit");
    expect(limit.schema).toMatchObject({ type: "integer", minimum: 1, maximum: 200, default: 50 });
  });
});
