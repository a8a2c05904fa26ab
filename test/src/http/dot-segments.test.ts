import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, rawHttp, rest, signUp, startTestServer, type TestServer } from "../harness/index.js";

/**
 * A path with a `.` or `..` segment, raw or percent-encoded, never reaches another
 * operation: `DELETE /rooms/{id}/messages/..` once deleted the whole room.
 */
describe("paths with dot segments", () => {
  let server: TestServer;
  let owner: Awaited<ReturnType<typeof signUp>>;
  beforeAll(async () => {
    server = await startTestServer();
    owner = await signUp(server.url);
  });
  afterAll(() => server.stop());

  const DOTS = ["..", "%2e%2e", "%2E%2E", ".%2e", "%2e.", ".", "%2e", "%2E"];

  it.each(DOTS)("refuses DELETE and PATCH on messages/%s with 400 and leaves the room as it was", async (dots) => {
    const room = await createRoom(server.url, owner.token, { name: "kept" });
    const auth = { authorization: `Bearer ${owner.token}` };
    const deleted = await rawHttp(server.url, "DELETE", `/api/v1/rooms/${room.id}/messages/${dots}`, {
      headers: auth,
    });
    expect(deleted.status).toBe(400);
    expect(JSON.parse(deleted.body).error.code).toBe("MALFORMED_REQUEST");
    const renamed = await rawHttp(server.url, "PATCH", `/api/v1/rooms/${room.id}/messages/${dots}`, {
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ name: "hijacked" }),
    });
    expect(renamed.status).toBe(400);
    expect(JSON.parse(renamed.body).error.code).toBe("MALFORMED_REQUEST");

    const after = await rest(server.url, "GET", `/rooms/${room.id}`, { token: owner.token });
    expect(after.status).toBe(200);
    expect(after.body.room.name).toBe("kept");
  });

  it.each([
    "/api/v1/rooms/.",
    "/api/v1/./rooms",
    "/api/v1/rooms/%2e/",
    "/trpc/../api/v1/rooms",
    "/docs/../openapi.json",
    "/%2e%2e/openapi.json",
  ])("refuses GET %s with 400 MALFORMED_REQUEST", async (path) => {
    const res = await rawHttp(server.url, "GET", path, { headers: { authorization: `Bearer ${owner.token}` } });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toBe("MALFORMED_REQUEST");
  });

  it("still serves names that merely contain dots", async () => {
    const res = await rawHttp(server.url, "GET", "/openapi.json");
    expect(res.status).toBe(200);
    const missing = await rawHttp(server.url, "GET", "/api/v1/rooms/a..b");
    expect(missing.status).not.toBe(400);
  });
});
