import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, httpClient, rest, signUp, startTestServer, type TestServer } from "../harness/index.js";

const NUL = "\u0000";
const RLO = "\u202e";
const LRI = "\u2066";

/** Names and messages must not carry characters that hide, reorder or break what is shown around them. */
describe("input hygiene", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  const refusedField = (answer: { status: number; body: any }, field: string) => {
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe("VALIDATION_FAILED");
    expect(answer.body.error.issues).toEqual([{ path: field, message: expect.stringMatching(/^must not/) }]);
  };

  it("refuses a password of only spaces, and usernames, display names and bios with control or bidirectional characters", async () => {
    refusedField(
      await rest(server.url, "POST", "/users", { body: { username: "spacey", password: "          " } }),
      "password",
    );
    for (const username of [`evil${RLO}gpj`, `nul${NUL}name`, `tab\tname`]) {
      const answer = await rest(server.url, "POST", "/users", { body: { username, password: "long enough" } });
      expect(answer.status).toBe(400);
      expect(answer.body.error.issues[0].path).toBe("username");
    }
    const user = await signUp(server.url);
    refusedField(
      await rest(server.url, "PATCH", "/me", { token: user.token, body: { displayName: `admin${RLO}` } }),
      "displayName",
    );
    refusedField(await rest(server.url, "PATCH", "/me", { token: user.token, body: { bio: `a${NUL}b` } }), "bio");
    const profile = await rest(server.url, "PATCH", "/me", {
      token: user.token,
      body: { displayName: "Zoë 🎉", bio: "line one\nline two" },
    });
    expect(profile.status).toBe(200);
    refusedField(
      await rest(server.url, "PUT", "/me/password", {
        token: user.token,
        body: { currentPassword: user.password, newPassword: "\t        \t" },
      }),
      "newPassword",
    );
  });

  it("refuses room names with control, bidirectional or invisible characters, on creation and rename", async () => {
    const owner = await signUp(server.url);
    for (const name of [`general${NUL}`, `exe.${RLO}txt`, `a${LRI}b`, "two\nlines", "gen\u200beral", "\u200fgeneral"]) {
      refusedField(await rest(server.url, "POST", "/rooms", { token: owner.token, body: { name } }), "name");
    }
    const room = await createRoom(server.url, owner.token, { name: "café 日本 👨‍👩‍👧" });
    expect(room.name).toBe("café 日本 👨‍👩‍👧");
    refusedField(
      await rest(server.url, "PATCH", `/rooms/${room.id}`, { token: owner.token, body: { name: `x${RLO}y` } }),
      "name",
    );
    await expect(httpClient(server.url, owner.token).rooms.create.mutate({ name: `tRPC${NUL}` })).rejects.toMatchObject(
      {
        data: { error: { code: "VALIDATION_FAILED" } },
      },
    );
  });

  it("refuses message bodies with control or bidirectional characters, but keeps newlines, tabs and RTL marks", async () => {
    const author = await signUp(server.url);
    const room = await createRoom(server.url, author.token);
    const path = `/rooms/${room.id}/messages`;
    for (const body of [`hi${NUL}`, `look ${RLO}here`, `a${LRI}b\u2069`, "bell\u0007", "crlf\r\n"]) {
      refusedField(await rest(server.url, "POST", path, { token: author.token, body: { body } }), "body");
    }
    const kept = "line one\n\tindented\nמחיר: \u200f100";
    const sent = await rest(server.url, "POST", path, { token: author.token, body: { body: kept } });
    expect(sent.status).toBe(201);
    expect(sent.body.message.body).toBe(kept);
    refusedField(
      await rest(server.url, "PATCH", `${path}/${sent.body.message.id}`, {
        token: author.token,
        body: { body: `edited${RLO}` },
      }),
      "body",
    );
    const history = await rest(server.url, "GET", path, { token: author.token });
    expect(history.body.messages.map((m: { body: string }) => m.body)).toEqual([kept]);
  });

  it("states the rule in the API reference", async () => {
    const document = await (await fetch(`${server.url}/openapi.json`)).json();
    const text = JSON.stringify(document);
    expect(text).toContain("No control characters except newline and tab");
    expect(text).toContain("No control characters, bidirectional formatting characters");
    expect(text).toContain("not only spaces");
  });
});
