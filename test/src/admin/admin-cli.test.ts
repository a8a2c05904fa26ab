import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@natter/db";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createTestDatabase, rest, runCli, signUp, startTestServer, type TestServer } from "../harness/index.js";

/** The admin commands, run as processes against the database file of a server that is running. */
describe("natter admin, users and seed", () => {
  let server: TestServer;
  let db: string[];
  beforeAll(async () => {
    server = await startTestServer();
    db = ["--db", server.databaseUrl];
  });
  afterAll(() => server.stop());

  it("admin grant and revoke change what the running server lets the user do, at the next request", async () => {
    const alice = await signUp(server.url);
    const stats = () => rest(server.url, "GET", "/admin/stats", { token: alice.token });
    expect((await rest(server.url, "GET", "/me", { token: alice.token })).body.user.isAdmin).toBe(false);
    expect((await stats()).status).toBe(403);

    const granted = await runCli(["admin", "grant", alice.username.toUpperCase(), ...db]);
    expect(granted.code, granted.stderr).toBe(0);
    expect(JSON.parse(granted.stdout)).toMatchObject({ userId: alice.id, changed: true, isAdmin: true });
    expect((await rest(server.url, "GET", "/me", { token: alice.token })).body.user.isAdmin).toBe(true);
    expect((await stats()).status).toBe(200);
    expect(JSON.parse((await runCli(["admin", "grant", alice.username, ...db])).stdout).changed).toBe(false);

    const revoked = await runCli(["admin", "revoke", alice.username, ...db]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect((await stats()).status).toBe(403);

    // The log names no actor for the command line, and says whom it was about.
    const { token } = await grantedAdmin();
    for (const type of ["user.admin_granted", "user.admin_revoked"]) {
      const activity = await rest(server.url, "GET", `/admin/activity?type=${type}`, { token });
      const entry = activity.body.entries.find((e: { subject: { id: string } }) => e.subject.id === alice.id);
      expect(entry).toMatchObject({ type, actor: null, details: { via: "command line" } });
    }
  });

  it("admin explains its mistakes: unknown user (exit 1), missing words (exit 2), --help", async () => {
    const unknown = await runCli(["admin", "grant", "nobody-by-this-name", ...db]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("USER_NOT_FOUND");
    expect((await runCli(["admin", "promote", "x", ...db])).code).toBe(2);
    expect((await runCli(["admin", "grant", ...db])).code).toBe(2);
    const help = await runCli(["admin", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("natter admin grant|revoke USERNAME [--db URL]");
  });

  it("users add reads the password from stdin, never from the arguments, and the account logs in", async () => {
    const added = await runCli(["users", "add", "mia@example.com", ...db], {}, "mia's long password\n");
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout).user.username).toBe("mia@example.com");
    const login = await rest(server.url, "POST", "/sessions", {
      body: { username: "mia@example.com", password: "mia's long password" },
    });
    expect(login.status).toBe(200);

    const extra = await runCli(["users", "add", "nia", "hunter2hunter2", ...db], {}, "x\n");
    expect(extra.code).toBe(2);
    const short = await runCli(["users", "add", "oli", ...db], {}, "short\n");
    expect(short.code).toBe(1);
    expect(short.stderr).toContain("password");
    const taken = await runCli(["users", "add", "MIA@example.com", ...db], {}, "another long password\n");
    expect([taken.code, taken.stderr.includes("USERNAME_TAKEN")]).toEqual([1, true]);
    expect((await runCli(["users", "--help"])).stdout).toContain("standard input");
  });

  it("seed --demo refuses a database with users unless --force, and prints credentials that log in", async () => {
    const refused = await runCli(["seed", "--demo", ...db]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("--force");
    const seeded = await runCli(["seed", "--demo", "--force", ...db]);
    expect(seeded.code, seeded.stderr).toBe(0);
    const { users } = JSON.parse(seeded.stdout) as { users: { username: string; password: string }[] };
    expect(users).toHaveLength(3);
    const login = await rest(server.url, "POST", "/sessions", { body: users[0] });
    expect(login.status).toBe(200);
    const rooms = await rest(server.url, "GET", "/rooms?scope=joined", { token: login.body.token });
    expect(rooms.body.rooms.map((room: { name: string }) => room.name).sort()).toEqual([
      "general",
      "project-x",
      "random",
    ]);
    const general = rooms.body.rooms.find((room: { name: string }) => room.name === "general");
    const history = await rest(server.url, "GET", `/rooms/${general.id}/messages`);
    expect(history.body.messages.length).toBeGreaterThan(0);
  });

  it("seed --demo fills a new database of its own, once it is migrated", async () => {
    const dir = mkdtempSync(join(tmpdir(), "natter-seed-"));
    const fresh = await createTestDatabase(dir);
    onTestFinished(async () => {
      await fresh.drop();
      rmSync(dir, { recursive: true, force: true });
    });
    expect((await runCli(["migrate", "--db", fresh.url])).code).toBe(0);
    const seeded = await runCli(["seed", "--demo", "--db", fresh.url, "--uploads-dir", join(dir, "uploads")]);
    expect(seeded.code, seeded.stderr).toBe(0);
    expect(JSON.parse(seeded.stdout).users.map((u: { username: string }) => u.username)).toEqual([
      "alice",
      "bob",
      "carol",
    ]);
  });

  it("refuses a database that is not there (a forgotten or mistyped --db), and makes none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "natter-missing-"));
    // SQLite: a file that does not exist; PostgreSQL: a database that exists but was never migrated.
    const missing = await createTestDatabase(dir);
    onTestFinished(async () => {
      await missing.drop();
      rmSync(dir, { recursive: true, force: true });
    });
    const attempts: [string[], string][] = [
      [["admin", "grant", "dave", "--db", missing.url], ""],
      [["admin", "revoke", "dave"], ""],
      [["users", "add", "dave", "--db", missing.url], "dave's long password\n"],
      [["seed", "--demo", "--db", missing.url, "--uploads-dir", join(dir, "uploads")], ""],
    ];
    for (const [args, input] of attempts) {
      // Without --db: the default ./data/natter.db of the directory it runs in.
      const result = await runCli(args, {}, input, { cwd: dir });
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(/no natter database at|holds no natter database/);
      expect(result.stderr).toContain("natter migrate --db");
    }
    expect(readdirSync(dir)).toEqual([]);
    if (missing.engine === "postgres") {
      const { db, close } = openDatabase(missing.url, { poolSize: 1 });
      onTestFinished(close);
      expect(await db.introspection.getTables({ withInternalKyselyTables: true })).toEqual([]);
    }
  });

  /** A fresh server admin, granted through the command line. */
  async function grantedAdmin() {
    const user = await signUp(server.url);
    expect((await runCli(["admin", "grant", user.username, ...db])).code).toBe(0);
    return user;
  }
});
