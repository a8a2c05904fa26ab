import { createHash } from "node:crypto";
import { type Database, openDatabase } from "@natter/db";
import { hash } from "@node-rs/argon2";
import { TRPCClientError } from "@trpc/client";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  httpClient,
  rest,
  signUp,
  startTestServer,
  type TestServer,
  uniqueUsername,
  wsClient,
} from "./harness/index.js";

const PASSWORD = "correct horse battery";
/** `Algorithm.Argon2id` of @node-rs/argon2, a const enum that isolated modules cannot read. */
const ARGON2ID = 2;

describe("accounts and sessions", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  describe("sign-up", () => {
    it("answers 201 with the user, a bearer token and its lifetime, never cached", async () => {
      const username = uniqueUsername("Signup");
      const res = await rest(server.url, "POST", "/users", { body: { username, password: PASSWORD } });
      expect(res.status).toBe(201);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.body).toEqual({
        user: {
          id: expect.any(String),
          username,
          displayName: null,
          bio: null,
          avatarUrl: null,
          isBot: false,
          createdAt: expect.any(String),
        },
        token: expect.any(String),
        tokenType: "Bearer",
        expiresIn: 7 * 24 * 3600,
      });
      // At least 128 random bits: the token is 32 bytes of base64url after its prefix.
      expect(res.body.token).toMatch(/^nat_[A-Za-z0-9_-]{43}$/);
      expect(res.body.user.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it("refuses a taken username regardless of case with 409 USERNAME_TAKEN", async () => {
      const username = uniqueUsername("Taken");
      await signUp(server.url, username);
      const res = await rest(server.url, "POST", "/users", {
        body: { username: username.toUpperCase(), password: PASSWORD },
      });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ error: { code: "USERNAME_TAKEN", message: expect.any(String) } });
    });

    it("gives a username to one of several sign-ups racing for it, 409 USERNAME_TAKEN to the others", async () => {
      const username = uniqueUsername("Race");
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          rest(server.url, "POST", "/users", {
            body: { username: i % 2 ? username : username.toLowerCase(), password: PASSWORD },
          }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409]);
      for (const res of results.filter((r) => r.status === 409)) expect(res.body.error.code).toBe("USERNAME_TAKEN");
    });

    it.each([
      ["too short", { username: "ab", password: PASSWORD }, "username"],
      ["too long", { username: "a".repeat(65), password: PASSWORD }, "username"],
      ["with a space", { username: "bad name", password: PASSWORD }, "username"],
      ["with a password of 7 characters", { username: uniqueUsername(), password: "1234567" }, "password"],
      ["with a password of 257 characters", { username: uniqueUsername(), password: "x".repeat(257) }, "password"],
      ["without a password", { username: uniqueUsername() }, "password"],
    ])("rejects a sign-up %s with 400 VALIDATION_FAILED naming the field", async (_, body, field) => {
      const res = await rest(server.url, "POST", "/users", { body });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_FAILED");
      expect(res.body.error.issues.map((issue: { path: string }) => issue.path)).toContain(field);
    });
  });

  describe("log-in", () => {
    it("logs in with any case of the username and gives a new token", async () => {
      const alice = await signUp(server.url, uniqueUsername("alice"));
      const res = await rest(server.url, "POST", "/sessions", {
        body: { username: alice.username.toUpperCase(), password: PASSWORD },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.body.user.id).toBe(alice.id);
      expect(res.body.token).not.toBe(alice.token);
      expect(res.body.tokenType).toBe("Bearer");
    });

    it("answers an unknown user and a wrong password with the same 401", async () => {
      const bob = await signUp(server.url);
      const wrongPassword = await rest(server.url, "POST", "/sessions", {
        body: { username: bob.username, password: "not the password" },
      });
      const unknownUser = await rest(server.url, "POST", "/sessions", {
        body: { username: uniqueUsername("ghost"), password: "not the password" },
      });
      expect(wrongPassword.status).toBe(401);
      expect(unknownUser.status).toBe(401);
      expect(wrongPassword.body).toEqual({
        error: { code: "INVALID_CREDENTIALS", message: "Invalid username or password" },
      });
      expect(unknownUser.body).toEqual(wrongPassword.body);
    });
  });

  describe("who am I and user lookup", () => {
    it("answers the caller and any user by id", async () => {
      const carol = await signUp(server.url);
      const dave = await signUp(server.url);
      const me = await rest(server.url, "GET", "/me", { token: carol.token });
      expect(me.body.user).toMatchObject({ id: carol.id, username: carol.username });
      const other = await rest(server.url, "GET", `/users/${dave.id}`, { token: carol.token });
      expect(other.status).toBe(200);
      expect(other.body.user).toMatchObject({ id: dave.id, username: dave.username });
    });

    it("answers 404 USER_NOT_FOUND for an unknown id", async () => {
      const erin = await signUp(server.url);
      const res = await rest(server.url, "GET", "/users/01900000-0000-7000-8000-000000000000", { token: erin.token });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("USER_NOT_FOUND");
    });

    it.each([
      ["no token", undefined],
      ["an unknown token", "nat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
    ])("answers 401 UNAUTHENTICATED with %s", async (_, token) => {
      const res = await rest(server.url, "GET", "/me", { token });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe("UNAUTHENTICATED");
    });
  });

  describe("log-out", () => {
    it("ends the token for REST, tRPC over HTTP and WebSocket at once, and is idempotent", async () => {
      const frank = await signUp(server.url);
      let socketClosed: (code: number | undefined) => void = () => {};
      const closed = new Promise<number | undefined>((resolve) => {
        socketClosed = resolve;
      });
      const ws = wsClient(server.url, { token: frank.token, onClose: (cause) => socketClosed(cause?.code) });
      // The socket is authenticated, and watched for the session's end, once its first call succeeds.
      await expect(ws.client.users.me.query()).resolves.toMatchObject({ user: { id: frank.id } });
      await expect(httpClient(server.url, frank.token).users.me.query()).resolves.toMatchObject({
        user: { id: frank.id },
      });

      const first = await rest(server.url, "DELETE", "/sessions/current", { token: frank.token });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ ok: true });
      expect(await closed).toBe(4401);

      expect((await rest(server.url, "GET", "/me", { token: frank.token })).status).toBe(401);
      const viaTrpc = await httpClient(server.url, frank.token)
        .users.me.query()
        .catch((error: unknown) => error);
      expect(viaTrpc).toBeInstanceOf(TRPCClientError);
      expect((viaTrpc as TRPCClientError<any>).data.error.code).toBe("UNAUTHENTICATED");

      const again = await rest(server.url, "DELETE", "/sessions/current", { token: frank.token });
      expect(again.status).toBe(200);
    });

    it("leaves the user's other sessions working", async () => {
      const gina = await signUp(server.url);
      const second = await rest(server.url, "POST", "/sessions", {
        body: { username: gina.username, password: PASSWORD },
      });
      await rest(server.url, "DELETE", "/sessions/current", { token: gina.token });
      expect((await rest(server.url, "GET", "/me", { token: second.body.token })).status).toBe(200);
    });
  });

  describe("password change", () => {
    it("requires the current password, then ends every other session but the caller's", async () => {
      const hank = await signUp(server.url);
      const other = await rest(server.url, "POST", "/sessions", {
        body: { username: hank.username, password: PASSWORD },
      });

      const wrong = await rest(server.url, "PUT", "/me/password", {
        token: hank.token,
        body: { currentPassword: "not it at all", newPassword: "a brand new secret" },
      });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe("INVALID_CREDENTIALS");

      const changed = await rest(server.url, "PUT", "/me/password", {
        token: hank.token,
        body: { currentPassword: PASSWORD, newPassword: "a brand new secret" },
      });
      expect(changed.status).toBe(200);
      expect((await rest(server.url, "GET", "/me", { token: hank.token })).status).toBe(200);
      expect((await rest(server.url, "GET", "/me", { token: other.body.token })).status).toBe(401);

      const oldLogin = await rest(server.url, "POST", "/sessions", {
        body: { username: hank.username, password: PASSWORD },
      });
      expect(oldLogin.status).toBe(401);
      const newLogin = await rest(server.url, "POST", "/sessions", {
        body: { username: hank.username, password: "a brand new secret" },
      });
      expect(newLogin.status).toBe(200);
    });

    it("rejects a too short new password without changing anything", async () => {
      const ivy = await signUp(server.url);
      const res = await rest(server.url, "PUT", "/me/password", {
        token: ivy.token,
        body: { currentPassword: PASSWORD, newPassword: "short" },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.issues[0].path).toBe("newPassword");
      expect(
        (await rest(server.url, "POST", "/sessions", { body: { username: ivy.username, password: PASSWORD } })).status,
      ).toBe(200);
    });
  });

  describe("storage", () => {
    it("stores only a SHA-256 hash of each token and an argon2id hash of each password", async () => {
      const jack = await signUp(server.url);
      const database = openDatabase(server.databaseUrl);
      try {
        const sessions = await database.db.selectFrom("sessions").selectAll().where("user_id", "=", jack.id).execute();
        expect(sessions.map((s) => s.token_hash)).toEqual([createHash("sha256").update(jack.token).digest("hex")]);
        const user = await database.db
          .selectFrom("users")
          .selectAll()
          .where("id", "=", jack.id)
          .executeTakeFirstOrThrow();
        expect(user.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
        // No column of any table holds the token or the password, on any engine.
        const everything = await everyRow(database.db);
        expect(everything).toContain(jack.username);
        expect(everything).not.toContain(jack.token);
        expect(everything).not.toContain(jack.password);
      } finally {
        await database.close();
      }
    });

    it("rehashes a password stored with weaker parameters at the next successful log-in", async () => {
      const kim = await signUp(server.url);
      const weak = await hash(PASSWORD, {
        algorithm: ARGON2ID,
        memoryCost: 4096,
        timeCost: 1,
        parallelism: 1,
      });
      const database = openDatabase(server.databaseUrl);
      const storedHash = async () =>
        (
          await database.db
            .selectFrom("users")
            .select("password_hash")
            .where("id", "=", kim.id)
            .executeTakeFirstOrThrow()
        ).password_hash;
      try {
        await database.db.updateTable("users").set({ password_hash: weak }).where("id", "=", kim.id).execute();
        const failed = await rest(server.url, "POST", "/sessions", {
          body: { username: kim.username, password: "wrong one!" },
        });
        expect(failed.status).toBe(401);
        const unchanged = await storedHash();
        expect(unchanged).toBe(weak);

        const login = await rest(server.url, "POST", "/sessions", {
          body: { username: kim.username, password: PASSWORD },
        });
        expect(login.status).toBe(200);
        const rehashed = await storedHash();
        expect(rehashed).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      } finally {
        await database.close();
      }
      const again = await rest(server.url, "POST", "/sessions", {
        body: { username: kim.username, password: PASSWORD },
      });
      expect(again.status).toBe(200);
    });
  });
});

/** Every row of every table, as one JSON text. */
async function everyRow(db: Kysely<Database>): Promise<string> {
  const tables = await db.introspection.getTables();
  const rows = await Promise.all(
    tables.map(({ name }) =>
      db
        .selectFrom(name as keyof Database)
        .selectAll()
        .execute(),
    ),
  );
  return JSON.stringify(rows);
}
