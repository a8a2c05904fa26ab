import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, rest, runCli } from "../harness/index.js";
import { type SearchFixture, startSearchFixture } from "./search-fixture.js";

/**
 * `natter reindex` on the suite's engine, against the database of a server that keeps running:
 * what was found before is found after, and what was sent, edited and deleted while it ran is
 * found as it is now. Each engine's own way of rebuilding is tested in reindex.sqlite.test.ts
 * and reindex.postgres.test.ts.
 */
describe("natter reindex", () => {
  let fixture: SearchFixture;
  beforeAll(async () => {
    fixture = await startSearchFixture();
  });
  afterAll(async () => {
    await fixture?.stop();
  });

  it("rebuilds the index while the server serves, keeping what changes meanwhile, and prints its progress", async () => {
    const { server, database, user, roomId, send, found } = fixture;
    const sent: string[] = [];
    for (let i = 0; i < 40; i++) sent.push(await send(`gazelle number ${i} 羚羊第${i}号`));
    const edited = await send("ibex before the edit");
    const deleted = await send("ibex to be deleted");
    expect(await found("gazelle")).toEqual([...sent].sort());

    // Sends, an edit and a delete run while the rebuild does, on the live server.
    const writing = (async () => {
      const during: string[] = [];
      for (let i = 0; i < 20; i++) during.push(await send(`gazelle sent during the rebuild ${i}`));
      const edit = await rest(server.url, "PATCH", `/rooms/${roomId}/messages/${edited}`, {
        token: user.token,
        body: { body: "oryx after the edit" },
      });
      expect(edit.status).toBe(200);
      const removal = await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${deleted}`, {
        token: user.token,
      });
      expect(removal.status).toBe(200);
      return during;
    })();
    const [result, during] = await Promise.all([runCli(["reindex", "--db", database.url]), writing]);

    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("reindexing message search in");
    expect(result.stdout).toMatch(database.engine === "sqlite" ? /indexed \d+\/\d+ messages/ : /rebuilding \w+/);
    expect(result.stdout).toMatch(/^done: /m);

    expect(await found("gazelle")).toEqual([...sent, ...during].sort());
    expect(await found("羚羊第")).toEqual([...sent].sort());
    expect(await found("ibex")).toEqual([]);
    expect(await found("oryx")).toEqual([edited]);
    // The index still follows every change after the rebuild.
    const after = await send("gazelle after the rebuild");
    expect(await found('"after the rebuild"')).toEqual([after]);
  });

  it("refuses a database whose migrations are not applied, exit 1, changing nothing", async () => {
    const emptyDir = mkdtempSync(join(tmpdir(), "natter-reindex-empty-"));
    const empty = await createTestDatabase(emptyDir);
    try {
      const result = await runCli(["reindex", "--db", empty.url]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain("pending migrations; run `natter migrate` first");
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await empty.drop();
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });
});
