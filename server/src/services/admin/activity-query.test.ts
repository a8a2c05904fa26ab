import { migrateToLatest, type OpenedDatabase, openDatabase, uuidV7 } from "@natter/db";
import type { ActivityInput } from "@natter/shared";
import { CompiledQuery, type KyselyPlugin, type PluginTransformQueryArgs, type RootOperationNode } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toTimestamp } from "../../clock/clock.js";
import { activityPage } from "./activity-query.js";

/** Keeps every query node it sees, to ask SQLite afterwards how it would run them. */
class QueryRecorder implements KyselyPlugin {
  readonly nodes: RootOperationNode[] = [];
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    this.nodes.push(node);
    return node;
  }
  async transformResult<R>({ result }: { result: R }): Promise<R> {
    return result;
  }
}

const ACTORS = ["u1", "u2", "u3"];
const ROOMS = ["r1", "r2"];
const TYPES = ["member.joined", "member.left", "message.deleted"] as const;

describe("activity pages", () => {
  let database: OpenedDatabase;
  beforeAll(async () => {
    database = openDatabase(":memory:");
    await migrateToLatest(database);
    const start = Date.parse("2026-01-01T00:00:00.000Z");
    const rows = Array.from({ length: 300 }, (_, i) => ({
      id: uuidV7(start + i * 1000),
      actor_id: ACTORS[i % 3] ?? null,
      room_id: i % 5 === 0 ? null : (ROOMS[i % 2] ?? null),
      action: TYPES[Math.floor(i / 3) % 3] ?? "member.joined",
      subject_id: null,
      detail: null,
      created_at: toTimestamp(start + i * 1000),
    }));
    await database.db.insertInto("activity_log").values(rows).execute();
  });
  afterAll(() => database.close());

  /** Every combination of the filters, with and without a time range. */
  const filterSets: ActivityInput[] = [];
  for (const userId of [undefined, "u1"])
    for (const roomId of [undefined, "r1"])
      for (const type of [undefined, "member.left"] as const)
        for (const range of [{}, { since: "2026-01-01T00:01:00.000Z", until: "2026-01-01T00:04:00.000Z" }]) {
          filterSets.push({
            ...(userId && { userId }),
            ...(roomId && { roomId }),
            ...(type && { type }),
            ...range,
          });
        }

  it.each(filterSets.map((filters) => [JSON.stringify(filters), filters] as const))(
    "%s: pages newest first through an index searched by every filter, never sorting",
    async (_, filters) => {
      const recorder = new QueryRecorder();
      const db = database.db.withPlugin(recorder);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await activityPage(db, { ...filters, limit: 7, ...(cursor && { cursor }) });
        seen.push(...page.entries.map((entry) => entry.id));
        for (const entry of page.entries) {
          if (filters.userId) expect(entry.actor?.id).toBe(filters.userId);
          if (filters.roomId) expect(entry.room?.id).toBe(filters.roomId);
          if (filters.type) expect(entry.type).toBe(filters.type);
          if (filters.since) expect(entry.createdAt >= filters.since).toBe(true);
          if (filters.until) expect(entry.createdAt < filters.until).toBe(true);
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen.length).toBeGreaterThan(0);
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort().reverse()).toEqual(seen);

      for (const node of recorder.nodes) {
        const compiled = database.db.getExecutor().compileQuery(node, { queryId: "plan" });
        const plan = await database.db.executeQuery<{ detail: string }>(
          CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]),
        );
        const steps = plan.rows.map((row) => row.detail);
        const onLog = steps.filter((step) => / a\b/.test(step) || step.includes("activity_log"));
        expect(onLog.length, steps.join("\n")).toBeGreaterThan(0);
        for (const step of onLog) expect(step, steps.join("\n")).toMatch(/USING (COVERING )?INDEX|PRIMARY KEY/);
        // Each filter is an equality of the index searched, not a check of the rows it yields.
        // (The other query looks the cursor's entry up by its id.)
        const page = onLog.find((step) => step.startsWith("SEARCH a ") || step.startsWith("SCAN a "));
        const filtered = [filters.userId && "actor_id=?", filters.roomId && "room_id=?", filters.type && "action=?"];
        for (const column of filtered) if (page && column) expect(page, steps.join("\n")).toContain(column);
        expect(steps.join("\n")).not.toContain("TEMP B-TREE");
      }
    },
  );

  it("refuses a cursor that names no entry", async () => {
    const fake = Buffer.from(`activity:${uuidV7()}`).toString("base64url");
    await expect(activityPage(database.db, { limit: 5, cursor: fake })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
  });
});
