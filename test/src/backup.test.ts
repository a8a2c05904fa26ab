import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createRoom, rest, runCli, signUp, startTestServer } from "./harness/index.js";
import { wholeHistory } from "./messages/room-fixtures.js";

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
