import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, ManualClock, rest, signUp, startTestServer, type TestServer } from "../harness/index.js";
import { png } from "../uploads/images.js";
import { fetchContent, upload, uploaded } from "../uploads/upload-client.js";

const HOUR = 3_600_000;

/**
 * A bearer token that is unknown, expired or logged out is refused with 401 and
 * `WWW-Authenticate: Bearer`, never taken as no token: a logged-out member reading their
 * closed room must learn to log in again, not that the room is gone.
 */
describe("ended tokens over HTTP", () => {
  const clock = new ManualClock();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ clock, config: { sessionIdleTtlSeconds: 3600 } });
  });
  afterAll(() => server.stop());

  /** Reads a room over REST and over tRPC HTTP with `token`; returns both answers. */
  async function readRoom(token: string, roomId: string) {
    const viaRest = await rest(server.url, "GET", `/rooms/${roomId}`, { token });
    const input = encodeURIComponent(JSON.stringify({ roomId }));
    const trpc = await fetch(`${server.url}/trpc/rooms.get?input=${input}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { viaRest, trpc: { status: trpc.status, headers: trpc.headers, body: (await trpc.json()) as any } };
  }

  function expectRefused({ viaRest, trpc }: Awaited<ReturnType<typeof readRoom>>) {
    expect(viaRest.status).toBe(401);
    expect(viaRest.body.error.code).toBe("UNAUTHENTICATED");
    expect(viaRest.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
    expect(trpc.status).toBe(401);
    expect(trpc.body.error.data.error.code).toBe("UNAUTHENTICATED");
    expect(trpc.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
  }

  it("refuses a logged-out, an expired and an unknown token on a public read of a closed room", async () => {
    const member = await signUp(server.url);
    const room = await createRoom(server.url, member.token, { open: false });
    expect((await readRoom(member.token, room.id)).viaRest.status).toBe(200);

    const loggedOut = await rest(server.url, "POST", "/sessions", {
      body: { username: member.username, password: member.password },
    });
    await rest(server.url, "DELETE", "/sessions/current", { token: loggedOut.body.token });
    expectRefused(await readRoom(loggedOut.body.token, room.id));

    expectRefused(await readRoom("nat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", room.id));

    const stale = await rest(server.url, "POST", "/sessions", {
      body: { username: member.username, password: member.password },
    });
    clock.advance(2 * HOUR);
    expectRefused(await readRoom(stale.body.token, room.id));
  });

  it("keeps log-out idempotent with an ended token", async () => {
    const user = await signUp(server.url);
    expect((await rest(server.url, "DELETE", "/sessions/current", { token: user.token })).status).toBe(200);
    const again = await rest(server.url, "DELETE", "/sessions/current", { token: user.token });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ok: true });
  });

  it("names the Bearer scheme on every 401, a missing token's and a malformed header's too", async () => {
    const missing = await rest(server.url, "GET", "/me");
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
    const malformed = await rest(server.url, "GET", "/me", { headers: { authorization: "Basic eDp5" } });
    expect(malformed.status).toBe(401);
    expect(malformed.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
    const trpc = await fetch(`${server.url}/trpc/users.me`);
    expect(trpc.status).toBe(401);
    expect(trpc.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
  });

  it("refuses an ended token on the upload paths too, the content URL of the caller's own upload included", async () => {
    const user = await signUp(server.url);
    const mine = await uploaded(server.url, user.token, png(4, 4, 300, 1));
    expect((await fetchContent(server.url, mine.url, { token: user.token })).status).toBe(200);
    expect((await rest(server.url, "DELETE", "/sessions/current", { token: user.token })).status).toBe(200);

    const answers = {
      upload: await upload(server.url, user.token, png(4, 4, 300, 2)),
      content: await fetchContent(server.url, mine.url, { token: user.token }),
      "content, HEAD": await fetchContent(server.url, mine.url, { token: user.token, method: "HEAD" }),
      "upload, no token": await upload(server.url, undefined, png(4, 4, 300, 3)),
    };
    for (const [what, answer] of Object.entries(answers)) {
      expect(answer.status, what).toBe(401);
      expect(answer.headers.get("www-authenticate"), what).toMatch(/^Bearer\b/);
    }
    expect(answers.upload.body.error.code).toBe("UNAUTHENTICATED");
    expect(JSON.parse(answers.content.bytes.toString()).error.code).toBe("UNAUTHENTICATED");
  });

  it("marks what a signed-in caller reads as not to be stored", async () => {
    const user = await signUp(server.url);
    const room = await createRoom(server.url, user.token);
    for (const path of ["/me", `/rooms/${room.id}`, "/rooms"]) {
      const res = await rest(server.url, "GET", path, { token: user.token });
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control"), path).toBe("no-store");
    }
    const trpc = await fetch(`${server.url}/trpc/users.me`, { headers: { authorization: `Bearer ${user.token}` } });
    expect(trpc.headers.get("cache-control")).toBe("no-store");
  });
});
