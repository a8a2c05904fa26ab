import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  rawHttp,
  rest,
  signUp,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";

/**
 * REST paths match exactly as documented: a trailing slash or another case is another path,
 * answered 404 with the error body, never routed to the operation without it
 * (`DELETE /api/v1/me/sessions/` used to end every other session).
 */
describe("exact REST routing", () => {
  let server: TestServer;
  let owner: TestUser;
  beforeAll(async () => {
    server = await startTestServer({ config: { rateLimits: "off" } });
    owner = await signUp(server.url);
  });
  afterAll(() => server.stop());

  const call = (method: string, path: string, token: string) =>
    rawHttp(server.url, method, path, { headers: { authorization: `Bearer ${token}` } });
  const expectNotFound = (answer: Awaited<ReturnType<typeof rawHttp>>, what: string) => {
    expect(answer.status, what).toBe(404);
    expect(JSON.parse(answer.body).error.code, what).toBe("NOT_FOUND");
  };

  it("answers DELETE /me/sessions/ 404 and ends no session", async () => {
    const other = await rest(server.url, "POST", "/sessions", {
      body: { username: owner.username, password: owner.password },
    });
    expect(other.status).toBe(200);
    const otherToken = other.body.token as string;

    expectNotFound(await call("DELETE", "/api/v1/me/sessions/", owner.token), "DELETE /me/sessions/");
    expect((await rest(server.url, "GET", "/me", { token: otherToken })).status).toBe(200);
    // The documented path does what it says, so the refusal above was the slash.
    const ended = await call("DELETE", "/api/v1/me/sessions", owner.token);
    expect(JSON.parse(ended.body)).toEqual({ ended: 1 });
    expect((await rest(server.url, "GET", "/me", { token: otherToken })).status).toBe(401);
  });

  it("answers list paths with a trailing slash 404, and the documented ones 200", async () => {
    const room = await createRoom(server.url, owner.token);
    for (const path of ["/rooms", `/rooms/${room.id}/members`, "/me", "/me/sessions"]) {
      expect((await call("GET", `/api/v1${path}`, owner.token)).status, path).toBe(200);
      expectNotFound(await call("GET", `/api/v1${path}/`, owner.token), `${path}/`);
    }
  });

  it("matches case: /Admin/Stats and /ME are not /admin/stats and /me", async () => {
    // Not an admin: the documented path is refused as such, the other case is no path at all.
    expect((await call("GET", "/api/v1/admin/stats", owner.token)).status).toBe(403);
    expectNotFound(await call("GET", "/api/v1/Admin/Stats", owner.token), "/Admin/Stats");
    expectNotFound(await call("GET", "/api/v1/ME", owner.token), "/ME");
    const room = await createRoom(server.url, owner.token);
    expectNotFound(await call("GET", `/api/v1/Rooms/${room.id}`, owner.token), "/Rooms/{roomId}");
    // A path parameter keeps its case: it is data, not part of the route.
    expect((await call("GET", `/api/v1/rooms/${room.id}`, owner.token)).status).toBe(200);
  });
});
