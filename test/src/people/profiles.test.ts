import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpClient, rest, signUp, startTestServer, type TestServer } from "../harness/index.js";

describe("profiles", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it("start empty, change with PATCH /me, and show on every user object", async () => {
    const alice = await signUp(server.url);
    const bob = await signUp(server.url);
    const before = await rest(server.url, "GET", "/me", { token: alice.token });
    expect(before.body.user).toMatchObject({ id: alice.id, displayName: null, bio: null, isAdmin: false });

    const patched = await rest(server.url, "PATCH", "/me", {
      token: alice.token,
      body: { displayName: "  Alice Liddell ", bio: "Down the rabbit hole." },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.user).toMatchObject({ displayName: "Alice Liddell", bio: "Down the rabbit hole." });

    const seen = await rest(server.url, "GET", `/users/${alice.id}`, { token: bob.token });
    expect(seen.body.user).toEqual({
      id: alice.id,
      username: alice.username,
      displayName: "Alice Liddell",
      bio: "Down the rabbit hole.",
      avatarUrl: null,
      isBot: false,
      createdAt: expect.any(String),
    });

    // A field left out keeps its value; null or "" clears it.
    const cleared = await rest(server.url, "PATCH", "/me", { token: alice.token, body: { bio: "" } });
    expect(cleared.body.user).toMatchObject({ displayName: "Alice Liddell", bio: null });
    const viaTrpc = await httpClient(server.url, alice.token).users.update.mutate({ displayName: null });
    expect(viaTrpc.user).toMatchObject({ displayName: null, bio: null });
  });

  it.each([
    ["a display name of 65 characters", { displayName: "x".repeat(65) }, "displayName"],
    ["a bio of 501 characters", { bio: "x".repeat(501) }, "bio"],
    ["an unknown field", { avatar: "x" }, ""],
  ])("refuses %s with 400 VALIDATION_FAILED and changes nothing", async (_, body, field) => {
    const user = await signUp(server.url);
    await rest(server.url, "PATCH", "/me", { token: user.token, body: { displayName: "Kept" } });
    const res = await rest(server.url, "PATCH", "/me", { token: user.token, body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    if (field) expect(res.body.error.issues.map((i: { path: string }) => i.path)).toContain(field);
    const me = await rest(server.url, "GET", "/me", { token: user.token });
    expect(me.body.user.displayName).toBe("Kept");
  });

  it("accepts e-mail-like usernames of up to 64 characters, unique in any case, and logs in with them", async () => {
    const email = `Jane.Doe+chat-${process.pid}@example.org`;
    const created = await rest(server.url, "POST", "/users", { body: { username: email, password: "correct horse" } });
    expect(created.status).toBe(201);
    const again = await rest(server.url, "POST", "/users", {
      body: { username: email.toLowerCase(), password: "correct horse" },
    });
    expect(again.body.error.code).toBe("USERNAME_TAKEN");
    const login = await rest(server.url, "POST", "/sessions", {
      body: { username: email.toUpperCase(), password: "correct horse" },
    });
    expect(login.status).toBe(200);
    const long = `${"a".repeat(52)}@example.org`;
    expect(long).toHaveLength(64);
    expect(
      (await rest(server.url, "POST", "/users", { body: { username: long, password: "correct horse" } })).status,
    ).toBe(201);
    const tooLong = await rest(server.url, "POST", "/users", {
      body: { username: `a${long}`, password: "correct horse" },
    });
    expect(tooLong.status).toBe(400);
    const spaced = await rest(server.url, "POST", "/users", {
      body: { username: "jane doe@x", password: "correct horse" },
    });
    expect(spaced.status).toBe(400);
  });
});

describe("finding people", () => {
  let server: TestServer;
  let searcher: Awaited<ReturnType<typeof signUp>>;
  const tag = `f${process.pid}`;
  beforeAll(async () => {
    server = await startTestServer();
    searcher = await signUp(server.url);
    for (const [username, displayName] of [
      [`${tag}_bob`, "Robert"],
      [`${tag}_Bobby`, null],
      [`${tag}_carol`, `${tag} Bob's sister`],
      [`${tag}_dave`, null],
    ] as const) {
      const user = await signUp(server.url, username);
      if (displayName) await rest(server.url, "PATCH", "/me", { token: user.token, body: { displayName } });
    }
  });
  afterAll(() => server.stop());

  it("finds one user by exact username in any case", async () => {
    const res = await rest(server.url, "GET", `/users?username=${tag.toUpperCase()}_BOB`, { token: searcher.token });
    expect(res.status).toBe(200);
    expect(res.body.users.map((u: { username: string }) => u.username)).toEqual([`${tag}_bob`]);
    expect(res.body.nextCursor).toBeNull();
    const none = await rest(server.url, "GET", `/users?username=${tag}_bo`, { token: searcher.token });
    expect(none.body.users).toEqual([]);
  });

  it("finds by prefix of username or display name, in any case, in username order", async () => {
    const res = await rest(server.url, "GET", `/users?q=${tag.toUpperCase()}_BO`, { token: searcher.token });
    expect(res.body.users.map((u: { username: string }) => u.username)).toEqual([`${tag}_bob`, `${tag}_Bobby`]);
    const byName = await rest(server.url, "GET", `/users?q=${encodeURIComponent(`${tag} bob`)}`, {
      token: searcher.token,
    });
    expect(byName.body.users.map((u: { username: string }) => u.username)).toEqual([`${tag}_carol`]);
    const rob = await rest(server.url, "GET", "/users?q=rob", { token: searcher.token });
    expect(rob.body.users.map((u: { displayName: string }) => u.displayName)).toContain("Robert");
  });

  it("pages with nextCursor until every match has been seen once", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/users?q=${tag}&limit=1${cursor ? `&cursor=${cursor}` : ""}`;
      const res = await rest(server.url, "GET", query, { token: searcher.token });
      expect(res.status).toBe(200);
      expect(res.body.users.length).toBeLessThanOrEqual(1);
      seen.push(...res.body.users.map((u: { username: string }) => u.username));
      cursor = res.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual([`${tag}_bob`, `${tag}_Bobby`, `${tag}_carol`, `${tag}_dave`]);
  });

  it.each([
    ["neither username nor q", ""],
    ["both username and q", "?username=a&q=a"],
    ["a limit above 200", "?q=a&limit=201"],
    ["a cursor of another listing", "?q=a&cursor=cm9vbXM6eA"],
  ])("refuses %s with 400", async (_, query) => {
    const res = await rest(server.url, "GET", `/users${query}`, { token: searcher.token });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
  });

  it("is for signed-in users only", async () => {
    const res = await rest(server.url, "GET", "/users?q=a");
    expect(res.status).toBe(401);
  });

  it("finds by username through tRPC too", async () => {
    const page = await httpClient(server.url, searcher.token).users.find.query({ username: `${tag}_dave` });
    expect(page.users).toHaveLength(1);
  });
});
