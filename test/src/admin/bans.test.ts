import { WS_CLOSE_CODES } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  grantServerAdmin,
  httpClient,
  rest,
  runCli,
  signUp,
  startTestServer,
  type TestServer,
  type TestUser,
  watchingClient,
} from "../harness/index.js";

describe("bans", () => {
  let server: TestServer;
  let admin: TestUser;

  const logIn = (user: { username: string }, password: string) =>
    rest(server.url, "POST", "/sessions", { body: { username: user.username, password } });

  beforeAll(async () => {
    server = await startTestServer();
    admin = await signUp(server.url);
    await grantServerAdmin(server.databaseUrl, admin.username);
  });
  afterAll(() => server.stop());

  it("ends every session of the banned user at once: tokens answer 401, sockets close with 4401", async () => {
    const bob = await signUp(server.url);
    const second = (await logIn(bob, bob.password)).body.token as string;
    const socket = await watchingClient(server.url, second);

    const res = await rest(server.url, "POST", `/admin/users/${bob.id}/ban`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: bob.id, isAdmin: false, bannedAt: expect.any(String) });
    expect(await socket.firstClose).toBe(WS_CLOSE_CODES.sessionEnded);
    for (const token of [bob.token, second]) {
      expect((await rest(server.url, "GET", "/me", { token })).status).toBe(401);
    }
    socket.close();
  });

  it("answers log-in 403 ACCOUNT_BANNED only to the right password; a wrong one stays 401", async () => {
    const carol = await signUp(server.url);
    await rest(server.url, "POST", `/admin/users/${carol.id}/ban`, { token: admin.token });
    const right = await logIn(carol, carol.password);
    expect(right.status).toBe(403);
    expect(right.body.error.code).toBe("ACCOUNT_BANNED");
    expect(right.body.token).toBeUndefined();
    // Whoever does not know the password learns nothing, not even that the account exists.
    const wrong = await logIn(carol, "not the password at all");
    const nobody = await logIn({ username: "no-such-user-anywhere" }, "not the password at all");
    expect([wrong.status, wrong.body.error.code]).toEqual([401, "INVALID_CREDENTIALS"]);
    expect(nobody.body).toEqual(wrong.body);
  });

  it("is idempotent, and lifting it lets the user log in again", async () => {
    const dave = await signUp(server.url);
    const first = await rest(server.url, "POST", `/admin/users/${dave.id}/ban`, { token: admin.token });
    const again = await rest(server.url, "POST", `/admin/users/${dave.id}/ban`, { token: admin.token });
    expect(again.body.user.bannedAt).toBe(first.body.user.bannedAt);
    const lifted = await rest(server.url, "DELETE", `/admin/users/${dave.id}/ban`, { token: admin.token });
    expect([lifted.status, lifted.body.user.bannedAt]).toEqual([200, null]);
    expect((await logIn(dave, dave.password)).status).toBe(200);
    // The sessions the ban ended stay ended.
    expect((await rest(server.url, "GET", "/me", { token: dave.token })).status).toBe(401);
  });

  it("works the same over tRPC, and refuses banning oneself or another admin", async () => {
    const client = httpClient(server.url, admin.token);
    const erin = await signUp(server.url);
    await expect(client.admin.ban.mutate({ userId: erin.id })).resolves.toMatchObject({ user: { id: erin.id } });
    expect((await logIn(erin, erin.password)).body.error.code).toBe("ACCOUNT_BANNED");
    await expect(client.admin.unban.mutate({ userId: erin.id })).resolves.toMatchObject({ user: { bannedAt: null } });

    const self = await rest(server.url, "POST", `/admin/users/${admin.id}/ban`, { token: admin.token });
    expect([self.status, self.body.error.code]).toEqual([403, "FORBIDDEN"]);
    const other = await signUp(server.url);
    await grantServerAdmin(server.databaseUrl, other.username);
    const peer = await rest(server.url, "POST", `/admin/users/${other.id}/ban`, { token: admin.token });
    expect([peer.status, peer.body.error.code]).toEqual([403, "FORBIDDEN"]);
    expect((await rest(server.url, "GET", "/me", { token: other.token })).status).toBe(200);
    const missing = await rest(server.url, "POST", "/admin/users/no-such-user/ban", { token: admin.token });
    expect([missing.status, missing.body.error.code]).toEqual([404, "USER_NOT_FOUND"]);
  });

  it("is refused to everyone but server admins", async () => {
    const mallory = await signUp(server.url);
    const victim = await signUp(server.url);
    const res = await rest(server.url, "POST", `/admin/users/${victim.id}/ban`, { token: mallory.token });
    expect([res.status, res.body.error.code]).toEqual([403, "FORBIDDEN"]);
    expect((await rest(server.url, "GET", "/me", { token: victim.token })).status).toBe(200);
  });
});

describe("sign-up policy", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { signup: "closed" } });
  });
  afterAll(() => server.stop());

  it("closed: sign-up answers 403 SIGNUP_CLOSED; an admin creates the account, which then logs in", async () => {
    const refused = await rest(server.url, "POST", "/users", {
      body: { username: "walk-in@example.com", password: "correct horse battery" },
    });
    expect([refused.status, refused.body.error.code]).toEqual([403, "SIGNUP_CLOSED"]);
    const refusedTrpc = await fetch(`${server.url}/trpc/auth.signUp`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "walk-in-2", password: "correct horse battery" }),
    });
    expect(refusedTrpc.status).toBe(403);

    // The first account and admin come from the command line, run against the live server's file.
    const password = "the operator's passphrase";
    const added = await runCli(["users", "add", "operator", "--db", server.databaseUrl], {}, `${password}\n`);
    expect(added.code, added.stderr).toBe(0);
    expect((await runCli(["admin", "grant", "operator", "--db", server.databaseUrl])).code).toBe(0);
    const session = await rest(server.url, "POST", "/sessions", { body: { username: "operator", password } });
    expect(session.status).toBe(200);
    const admin = { token: session.body.token as string };

    const made = await rest(server.url, "POST", "/admin/users", {
      token: admin.token,
      body: { username: "new.person+chat@example.com", password: "a good long password" },
    });
    expect(made.status).toBe(201);
    expect(made.body.user).toMatchObject({ username: "new.person+chat@example.com", isAdmin: false, bannedAt: null });
    expect(made.body.token).toBeUndefined();
    const login = await rest(server.url, "POST", "/sessions", {
      body: { username: "NEW.person+chat@example.com", password: "a good long password" },
    });
    expect(login.status).toBe(200);
    const taken = await rest(server.url, "POST", "/admin/users", {
      token: admin.token,
      body: { username: "New.Person+Chat@example.com", password: "a good long password" },
    });
    expect([taken.status, taken.body.error.code]).toEqual([409, "USERNAME_TAKEN"]);
  });
});
