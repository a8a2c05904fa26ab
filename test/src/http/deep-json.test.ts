import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, rawHttp, signUp, startTestServer, type TestServer } from "../harness/index.js";

/** Deeply nested JSON is refused as malformed on REST as on tRPC, never a 500. */
describe("deeply nested JSON bodies", () => {
  let server: TestServer;
  let token: string;
  let roomId: string;
  beforeAll(async () => {
    server = await startTestServer();
    ({ token } = await signUp(server.url));
    roomId = (await createRoom(server.url, token)).id;
  });
  afterAll(() => server.stop());

  const deep = (depth: number) => `{"name":${"[".repeat(depth)}${"]".repeat(depth)}}`;

  it.each([
    ["POST", "/api/v1/rooms"],
    ["PATCH", "/api/v1/rooms/{roomId}"],
    ["PUT", "/api/v1/me/password"],
    ["POST", "/api/v1/rooms/{roomId}/messages"],
  ])("answers %s %s with 400 MALFORMED_REQUEST", async (method, path) => {
    for (const depth of [20_000, 100]) {
      const res = await rawHttp(server.url, method, path.replace("{roomId}", roomId), {
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: deep(depth),
      });
      expect(res.status, res.body).toBe(400);
      expect(JSON.parse(res.body).error.code).toBe("MALFORMED_REQUEST");
    }
  });

  it("answers tRPC the same, in tRPC's error shape", async () => {
    const res = await rawHttp(server.url, "POST", "/trpc/rooms.create", {
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: deep(20_000),
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.data.error.code).toBe("MALFORMED_REQUEST");
  });
});
