import { LIMITS } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  grantServerAdmin,
  httpClient,
  rest,
  signUpMany,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";

/*
 * The word filter: server admins replace the list of blocked terms; every message body, edit,
 * room name, display name and bio goes through it. Reject terms answer 422 BLOCKED_TERM naming
 * no term; mask terms are stored as ***. Whole words, without case or diacritics; look-alike
 * letters of other scripts are covered, ASCII substitutions (sp4m) are not.
 */
describe("blocked terms", () => {
  let server: TestServer;
  let admin: TestUser;
  let user: TestUser;
  let roomId: string;
  beforeAll(async () => {
    server = await startTestServer();
    [admin, user] = await signUpMany(server.url, 2);
    await grantServerAdmin(server.databaseUrl, admin.username);
    roomId = (await createRoom(server.url, user.token)).id;
    const put = await rest(server.url, "PUT", "/admin/blocked-terms", {
      token: admin.token,
      body: {
        terms: [
          { term: "spam", mode: "reject" },
          { term: "darn", mode: "mask" },
          { term: "crème brûlée", mode: "mask" },
        ],
      },
    });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    await server?.stop();
  });

  const send = (body: string) =>
    rest(server.url, "POST", `/rooms/${roomId}/messages`, { token: user.token, body: { body } });

  it("lists the terms to server admins only, and logs a change", async () => {
    const listed = await rest(server.url, "GET", "/admin/blocked-terms", { token: admin.token });
    expect(listed.body.terms).toEqual([
      { term: "spam", mode: "reject" },
      { term: "darn", mode: "mask" },
      { term: "crème brûlée", mode: "mask" },
    ]);
    const refused = await rest(server.url, "GET", "/admin/blocked-terms", { token: user.token });
    expect([refused.status, refused.body.error.code]).toEqual([403, "FORBIDDEN"]);
    const put = await rest(server.url, "PUT", "/admin/blocked-terms", { token: user.token, body: { terms: [] } });
    expect(put.status).toBe(403);
    const log = await rest(server.url, "GET", "/admin/activity?type=blocked_terms.updated", { token: admin.token });
    expect(log.body.entries[0]).toMatchObject({ actor: { id: admin.id }, details: { terms: 3, reject: 1 } });
  });

  it("refuses a body with a reject term as 422 BLOCKED_TERM naming no term; homoglyphs too, sp4m not", async () => {
    for (const body of ["this is SPAM", "Spám!", "sp\u0430m (Cyrillic a)", "\uff53\uff50\uff41\uff4d"]) {
      const res = await send(body);
      expect([res.status, res.body.error.code], body).toEqual([422, "BLOCKED_TERM"]);
      expect(JSON.stringify(res.body).toLowerCase()).not.toContain("spam");
    }
    for (const body of ["spammer", "sp4m"]) expect((await send(body)).status, body).toBe(201);
  });

  it("masks whole words in bodies and edits, without case or diacritics", async () => {
    const sent = await send("Darn it, I want crème BRULEE; darning is fine");
    expect(sent.status).toBe(201);
    expect(sent.body.message.body).toBe("*** it, I want ***; darning is fine");
    const edit = await rest(server.url, "PATCH", `/rooms/${roomId}/messages/${sent.body.message.id}`, {
      token: user.token,
      body: { body: "oh DÂRN" },
    });
    expect(edit.body.message.body).toBe("oh ***");
    const refused = await rest(server.url, "PATCH", `/rooms/${roomId}/messages/${sent.body.message.id}`, {
      token: user.token,
      body: { body: "spam" },
    });
    expect([refused.status, refused.body.error.code]).toEqual([422, "BLOCKED_TERM"]);
    const page = await rest(server.url, "GET", `/rooms/${roomId}/messages`, { token: user.token });
    const stored = page.body.messages.find((message: { id: string }) => message.id === sent.body.message.id);
    expect(stored.body).toBe("oh ***");
  });

  it("applies to room names, display names and bios", async () => {
    const created = await rest(server.url, "POST", "/rooms", { token: user.token, body: { name: "darn room" } });
    expect(created.body.room.name).toBe("*** room");
    const renamed = await rest(server.url, "PATCH", `/rooms/${roomId}`, { token: user.token, body: { name: "spam" } });
    expect([renamed.status, renamed.body.error.code]).toEqual([422, "BLOCKED_TERM"]);
    const profile = await rest(server.url, "PATCH", "/me", {
      token: user.token,
      body: { displayName: "Darn Person", bio: "I like crème brûlée" },
    });
    expect(profile.body.user).toMatchObject({ displayName: "*** Person", bio: "I like ***" });
    const bio = await rest(server.url, "PATCH", "/me", { token: user.token, body: { bio: "spam spam" } });
    expect([bio.status, bio.body.error.code]).toEqual([422, "BLOCKED_TERM"]);
  });

  it("works over tRPC, refuses duplicates and wordless terms, and an empty list turns it off", async () => {
    const client = httpClient(server.url, admin.token);
    await expect(
      client.admin.setBlockedTerms.mutate({
        terms: [
          { term: "Darn", mode: "mask" },
          { term: "DÁRN", mode: "reject" },
        ],
      }),
    ).rejects.toMatchObject({ data: { error: { code: "VALIDATION_FAILED" } } });
    await expect(client.admin.setBlockedTerms.mutate({ terms: [{ term: "!!!", mode: "mask" }] })).rejects.toMatchObject(
      { data: { error: { code: "VALIDATION_FAILED" } } },
    );
    const thousand = Array.from({ length: 1000 }, (_, i) => ({ term: `word${i}`, mode: "mask" as const }));
    expect((await client.admin.setBlockedTerms.mutate({ terms: thousand })).terms).toHaveLength(1000);
    expect((await send("say word999 now")).body.message.body).toBe("say *** now");
    await client.admin.setBlockedTerms.mutate({ terms: [] });
    expect((await client.admin.blockedTerms.query()).terms).toEqual([]);
    expect((await send("spam word999")).body.message.body).toBe("spam word999");
  });

  it("never masks a text past its field's limit", async () => {
    const put = await rest(server.url, "PUT", "/admin/blocked-terms", {
      token: admin.token,
      body: { terms: [{ term: "zq", mode: "mask" }] },
    });
    expect(put.status).toBe(200);
    // 2-character words, each of which `***` would make 3 characters: half as long again once masked.
    const atLimit = (max: number) => "zq ".repeat(Math.floor(max / 3)).padEnd(max, ".");
    const full = atLimit(LIMITS.messageBodyMax);
    const sent = await send(full);
    expect(sent.status).toBe(201);
    expect(sent.body.message.body).toBe("** ".repeat(Math.floor(LIMITS.messageBodyMax / 3)).padEnd(full.length, "."));
    // Below the limit, `***` as ever.
    expect((await send("zq and zq")).body.message.body).toBe("*** and ***");
    const profile = await rest(server.url, "PATCH", "/me", {
      token: user.token,
      body: { bio: atLimit(LIMITS.bioMax), displayName: atLimit(LIMITS.displayNameMax) },
    });
    expect(profile.status).toBe(200);
    expect(profile.body.user.bio).toHaveLength(LIMITS.bioMax);
    expect(profile.body.user.displayName).toHaveLength(LIMITS.displayNameMax);
    expect(profile.body.user.bio).not.toContain("zq");
    const room = await rest(server.url, "POST", "/rooms", {
      token: user.token,
      body: { name: atLimit(LIMITS.roomNameMax) },
    });
    expect(room.status).toBe(201);
    expect(room.body.room.name).toHaveLength(LIMITS.roomNameMax);
    expect(room.body.room.name).not.toContain("zq");
  });
});
