import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, rawHttp, rest, signUp, startTestServer, type TestServer } from "../harness/index.js";

/**
 * `curl -X POST -H 'Authorization: Bearer …' …/rooms/{id}/join` sends no body, no
 * Content-Length and no Content-Type: the way most people call the input-less paths.
 */
describe("POST without any body", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it("joins, signals typing and leaves a room", async () => {
    const owner = await signUp(server.url);
    const guest = await signUp(server.url);
    const room = await createRoom(server.url, owner.token);
    const headers = { authorization: `Bearer ${guest.token}` };

    const joined = await rawHttp(server.url, "POST", `/api/v1/rooms/${room.id}/join`, { headers });
    expect(joined.status, joined.body).toBe(200);
    expect(JSON.parse(joined.body).room.id).toBe(room.id);
    const typing = await rawHttp(server.url, "POST", `/api/v1/rooms/${room.id}/typing`, { headers });
    expect(typing.status, typing.body).toBe(200);
    const left = await rawHttp(server.url, "POST", `/api/v1/rooms/${room.id}/leave`, { headers });
    expect(left.status, left.body).toBe(200);

    const members = await rest(server.url, "GET", `/rooms/${room.id}/members`, { token: owner.token });
    expect(members.body.members.map((m: { userId: string }) => m.userId)).toEqual([owner.id]);
  });

  it("still validates a path that needs a body", async () => {
    const owner = await signUp(server.url);
    const res = await rawHttp(server.url, "POST", "/api/v1/rooms/x/messages", {
      headers: { authorization: `Bearer ${owner.token}` },
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error.code).toMatch(/^(VALIDATION_FAILED|ROOM_NOT_FOUND)$/);
  });
});
