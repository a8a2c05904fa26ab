import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { createRoom, rest, runCli, signUp, signUpMany, startTestServer } from "./harness/index.js";
import { waitFor, wholeHistory } from "./messages/room-fixtures.js";
import { png } from "./uploads/images.js";
import { fetchContent, uploaded } from "./uploads/upload-client.js";

describe("natter backup and restore", () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-backup-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("copies a database consistently while messages are written, and restores it into a new place", async () => {
    // The writer sends as fast as it can, far faster than any person: no send rate applies here.
    const server = await startTestServer({ config: { rateLimits: "off" } });
    try {
      const alice = await signUp(server.url);
      const room = await createRoom(server.url, alice.token, { name: "backed up" });
      let acknowledged = 0;
      let writing = true;
      const writer = (async () => {
        while (writing) {
          const res = await rest(server.url, "POST", `/rooms/${room.id}/messages`, {
            token: alice.token,
            body: { body: `m${acknowledged}` },
          });
          expect(res.status).toBe(201);
          acknowledged += 1;
        }
      })();
      while (acknowledged < 20) await new Promise((resolve) => setImmediate(resolve));

      const backupPath = join(dir, "copy.db");
      const before = acknowledged;
      const backup = await runCli(["backup", "--db", server.databaseUrl, "--to", backupPath]);
      const after = acknowledged;
      writing = false;
      await writer;
      expect(backup.code, backup.stderr).toBe(0);
      expect(JSON.parse(backup.stdout)).toMatchObject({ backup: backupPath, rows: { users: 1, rooms: 1 } });

      const restoredPath = join(dir, "restored", "natter.db");
      const restore = await runCli(["restore", "--from", backupPath, "--db", restoredPath]);
      expect(restore.code, restore.stderr).toBe(0);
      const again = await runCli(["restore", "--from", backupPath, "--db", restoredPath]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("exists already");

      const restored = await startTestServer({ config: { databaseUrl: restoredPath } });
      try {
        const bodies = (await wholeHistory(restored.url, alice, room.id)).map((message) => message.body);
        // One consistent snapshot: a prefix of what was sent, holding at least what was
        // acknowledged before the backup began and nothing beyond what was acknowledged at its end.
        expect(bodies.length).toBeGreaterThanOrEqual(before);
        expect(bodies.length).toBeLessThanOrEqual(after + 1);
        expect(bodies).toEqual(Array.from({ length: bodies.length }, (_, index) => `m${index}`));
      } finally {
        await restored.close();
      }
    } finally {
      await server.stop();
    }
  });

  it("finishes a backup of a 100 MB database while four senders write, showing its progress", {
    timeout: 180_000,
  }, async () => {
    const own = join(dir, "under-load");
    mkdirSync(own);
    const databasePath = join(own, "natter.db");
    expect((await runCli(["migrate", "--db", databasePath])).code).toBe(0);
    // Bulk that every backup must copy page by page, written behind the server's back to keep the test short.
    const bulk = new SQLite(databasePath);
    bulk.exec("create table bulk (bytes blob)");
    bulk.transaction(() => {
      for (let i = 0; i < 100; i += 1) bulk.prepare("insert into bulk values (randomblob(1000000))").run();
    })();
    bulk.close();
    expect(statSync(databasePath).size).toBeGreaterThan(100_000_000);

    const server = await startTestServer({ dir: own, config: { rateLimits: "off", databaseUrl: databasePath } });
    try {
      const users = await signUpMany(server.url, 4);
      const room = await createRoom(server.url, users[0].token, {
        open: false,
        memberIds: users.slice(1).map((user) => user.id),
      });
      let writing = true;
      let acknowledged = 0;
      // Four senders, about 50 messages a second together: each waits 80 ms between its sends.
      const senders = users.map(async (user) => {
        while (writing) {
          const res = await rest(server.url, "POST", `/rooms/${room.id}/messages`, {
            token: user.token,
            body: { body: `m${acknowledged}` },
          });
          expect(res.status).toBe(201);
          acknowledged += 1;
          await new Promise((resolve) => setTimeout(resolve, 80));
        }
      });
      await waitFor("the senders under way", () => acknowledged >= 20);
      const started = performance.now();
      const backupPath = join(dir, "loaded.db");
      const backup = await runCli(["backup", "--db", databasePath, "--to", backupPath]);
      const seconds = (performance.now() - started) / 1000;
      const during = acknowledged;
      writing = false;
      await Promise.all(senders);
      console.log(`backup of ${statSync(databasePath).size} bytes under ~50 msg/s: ${seconds.toFixed(1)} s`);
      expect(backup.code, backup.stderr).toBe(0);
      expect(backup.stderr).toMatch(/natter backup: 100% \(\d+\.\d of \d+\.\d MB\)/);
      const summary = JSON.parse(backup.stdout);
      expect(summary).toMatchObject({ backup: backupPath, rows: { users: 4, rooms: 1 } });
      expect(summary.bytes).toBeGreaterThan(100_000_000);
      expect(during).toBeGreaterThan(20);
    } finally {
      await server.stop();
    }
  });

  it("gives up at its timeout, leaving nothing behind", async () => {
    const source = join(dir, "slow.db");
    expect((await runCli(["migrate", "--db", source])).code).toBe(0);
    const target = join(dir, "never.db");
    const backup = await runCli(["backup", "--db", source, "--to", target, "--timeout", "0.001"]);
    expect(backup.code).toBe(1);
    expect(backup.stderr).toContain("took longer than 1 ms");
    expect(readdirSync(dir).filter((name) => name.startsWith("never.db"))).toEqual([]);
  });

  it("keeps the uploads with the database, and a restore names the uploads it lacks", async () => {
    const own = join(dir, "with-uploads");
    mkdirSync(own);
    const server = await startTestServer({ dir: own });
    const alice = await signUp(server.url);
    const room = await createRoom(server.url, alice.token, { name: "pictures" });
    const bytes = png(8, 8, 2000, 7);
    const image = await uploaded(server.url, alice.token, bytes);
    const sent = await rest(server.url, "POST", `/rooms/${room.id}/messages`, {
      token: alice.token,
      body: { body: "look", attachmentIds: [image.id] },
    });
    expect(sent.status).toBe(201);
    const backupPath = join(dir, "pictures.db");
    try {
      const backup = await runCli([
        "backup",
        "--db",
        server.databaseUrl,
        "--uploads-dir",
        join(own, "uploads"),
        "--to",
        backupPath,
      ]);
      expect(backup.code, backup.stderr).toBe(0);
      expect(JSON.parse(backup.stdout).uploads).toMatchObject({ to: `${backupPath}.uploads`, copied: 1, missing: 0 });
    } finally {
      await server.stop();
    }

    const restoredDir = join(dir, "pictures-restored");
    const restore = await runCli(["restore", "--from", backupPath, "--db", join(restoredDir, "natter.db")]);
    expect(restore.code, restore.stderr).toBe(0);
    expect(JSON.parse(restore.stdout).uploads).toEqual({ referenced: 1, copied: 1, missing: 0, missingKeys: [] });
    const restored = await startTestServer({
      dir: restoredDir,
      config: { databaseUrl: join(restoredDir, "natter.db"), uploadsDir: join(restoredDir, "uploads") },
    });
    try {
      const got = await fetchContent(restored.url, image.url, { token: alice.token });
      expect(got.status).toBe(200);
      expect(got.bytes.equals(bytes)).toBe(true);
    } finally {
      await restored.stop();
    }

    // The database alone, as a backup copied without its uploads: the restore says what is missing.
    rmSync(`${backupPath}.uploads`, { recursive: true });
    const bare = await runCli(["restore", "--from", backupPath, "--db", join(dir, "bare", "natter.db")]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(JSON.parse(bare.stdout).uploads).toEqual({
      referenced: 1,
      copied: 0,
      missing: 1,
      missingKeys: [image.sha256],
    });
    expect(bare.stderr).toContain(`WARNING: 1 of the 1 uploads the database references are not in`);
  });

  it("refuses what it cannot do in one line", async () => {
    const taken = join(dir, "taken.db");
    const first = await runCli(["migrate", "--db", taken]);
    expect(first.code).toBe(0);
    const overwrite = await runCli(["backup", "--db", taken, "--to", taken]);
    expect(overwrite.code).toBe(1);
    expect(overwrite.stderr.trim()).toMatch(/^natter: .*exists already/);
    const postgres = await runCli([
      "backup",
      "--db",
      "postgres://postgres@127.0.0.1:5432/test",
      "--to",
      join(dir, "pg.db"),
    ]);
    expect(postgres.code).toBe(2);
    expect(postgres.stderr).toContain("pg_dump");
    const missing = await runCli(["backup", "--db", taken]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--to FILE is required");
    expect(existsSync(join(dir, "pg.db"))).toBe(false);
  });
});
