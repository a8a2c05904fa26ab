import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest, signUp, startTestServer, type TestServer, type TestUser } from "../harness/index.js";
import { png } from "./images.js";
import { fetchContent, uploaded } from "./upload-client.js";

describe("authorization: users.setAvatar", () => {
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    server = await startTestServer();
    [alice, bob] = [await signUp(server.url), await signUp(server.url)];
  });
  afterAll(() => server.stop());

  it("refuses anonymous callers", async () => {
    const res = await rest(server.url, "PUT", "/me/avatar", { body: { uploadId: "x" } });
    expect([res.status, res.body.error.code]).toEqual([401, "UNAUTHENTICATED"]);
  });

  it("takes only the caller's own upload: another user's is not found", async () => {
    const bobs = await uploaded(server.url, bob.token, png(4, 4, 500, 1));
    const res = await rest(server.url, "PUT", "/me/avatar", { token: alice.token, body: { uploadId: bobs.id } });
    expect([res.status, res.body.error.code]).toEqual([404, "UPLOAD_NOT_FOUND"]);
  });

  it("shows the avatar on the user to every signed-in user, replaces and removes it", async () => {
    const first = await uploaded(server.url, alice.token, png(64, 64, 2000, 2));
    const set = await rest(server.url, "PUT", "/me/avatar", { token: alice.token, body: { uploadId: first.id } });
    expect(set.status).toBe(200);
    expect(set.body.user.avatarUrl).toBe(first.url);
    const seen = await rest(server.url, "GET", `/users/${alice.id}`, { token: bob.token });
    expect(seen.body.user.avatarUrl).toBe(first.url);
    expect((await fetchContent(server.url, first.url, { token: bob.token })).status).toBe(200);
    expect((await fetchContent(server.url, first.url)).status).toBe(404);

    // An avatar is not an attachment.
    const room = await rest(server.url, "POST", "/rooms", { token: alice.token, body: { open: true } });
    const send = await rest(server.url, "POST", `/rooms/${room.body.room.id}/messages`, {
      token: alice.token,
      body: { body: "me", attachmentIds: [first.id] },
    });
    expect([send.status, send.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);

    const second = await uploaded(server.url, alice.token, png(64, 64, 2100, 3));
    await rest(server.url, "PUT", "/me/avatar", { token: alice.token, body: { uploadId: second.id } });
    expect((await fetchContent(server.url, first.url, { token: alice.token })).status).toBe(404);

    const cleared = await rest(server.url, "DELETE", "/me/avatar", { token: alice.token });
    expect(cleared.body.user.avatarUrl).toBeNull();
    expect((await fetchContent(server.url, second.url, { token: alice.token })).status).toBe(404);
    expect((await rest(server.url, "GET", "/me", { token: alice.token })).body.user.avatarUrl).toBeNull();
  });
});
