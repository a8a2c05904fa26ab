import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, rest, signUp, startTestServer, type TestServer, type TestUser } from "../harness/index.js";

/** Calls a REST path with a raw Authorization header (or headers), as a careless client might send it. */
async function withAuthorization(url: string, method: string, path: string, authorization: string | string[]) {
  const headers = new Headers();
  for (const value of [authorization].flat()) headers.append("authorization", value);
  const res = await fetch(`${url}/api/v1${path}`, { method, headers });
  return { status: res.status, body: (await res.json()) as any };
}

describe("the Authorization header", () => {
  let server: TestServer;
  let user: TestUser;
  let other: TestUser;
  let openRoomId: string;
  beforeAll(async () => {
    server = await startTestServer();
    [user, other] = [await signUp(server.url), await signUp(server.url)];
    openRoomId = (await createRoom(server.url, user.token)).id;
  });
  afterAll(() => server.stop());

  it("takes one bearer token, whatever the scheme's case and the spaces around it", async () => {
    for (const header of [`Bearer ${user.token}`, `bearer ${user.token}`, `BEARER   ${user.token}  `]) {
      const res = await withAuthorization(server.url, "GET", "/me", header);
      expect(res.status, header).toBe(200);
      expect(res.body.user.id).toBe(user.id);
    }
  });

  const malformed = (): Array<[string, string | string[]]> => [
    ["two tokens in one header", `Bearer ${user.token} ${other.token}`],
    ["a comma-separated list", `Bearer ${user.token}, Bearer ${other.token}`],
    ["two headers", [`Bearer ${user.token}`, `Bearer ${other.token}`]],
    ["another scheme", `Basic ${Buffer.from(`${user.username}:x`).toString("base64")}`],
    ["a token without scheme", user.token],
    ["a scheme without token", "Bearer"],
  ];

  it("answers a malformed header with 401 on every route, never as an anonymous call", async () => {
    for (const [what, header] of malformed()) {
      for (const [method, path] of [
        ["GET", "/me"],
        ["GET", `/rooms/${openRoomId}`],
        ["GET", "/rooms?scope=all"],
        ["DELETE", "/sessions/current"],
      ] as const) {
        const res = await withAuthorization(server.url, method, path, header);
        expect(`${what}: ${method} ${path} ${res.status} ${res.body.error?.code}`).toBe(
          `${what}: ${method} ${path} 401 UNAUTHENTICATED`,
        );
      }
    }
    const trpc = await fetch(
      `${server.url}/trpc/rooms.get?input=${encodeURIComponent(JSON.stringify({ roomId: openRoomId }))}`,
      {
        headers: { authorization: `Bearer ${user.token} ${other.token}` },
      },
    );
    expect(trpc.status).toBe(401);
    expect(((await trpc.json()) as any).error.data.error.code).toBe("UNAUTHENTICATED");
  });

  it("never answers a log-out it did not do: the session lives on after a malformed one", async () => {
    const res = await withAuthorization(server.url, "DELETE", "/sessions/current", `Bearer ${user.token} x`);
    expect(res.status).toBe(401);
    expect((await rest(server.url, "GET", "/me", { token: user.token })).status).toBe(200);
  });

  it("never takes a token from the URL", async () => {
    for (const query of [`token=${user.token}`, `access_token=${user.token}`]) {
      expect((await rest(server.url, "GET", `/me?${query}`)).status).toBe(401);
    }
    const params = encodeURIComponent(JSON.stringify({ token: user.token }));
    const trpc = await fetch(`${server.url}/trpc/users.me?connectionParams=${params}`);
    expect(trpc.status).toBe(401);
  });
});
