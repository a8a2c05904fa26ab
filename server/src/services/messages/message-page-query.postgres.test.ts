import { migrateToLatest, type OpenedDatabase, openDatabase } from "@natter/db";
import { CompiledQuery, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/src/harness/test-database.js";
import { type MessagePageCursor, messagePageQuery } from "./message-page-query.js";

/** A node of PostgreSQL's `explain (format json)` plan. */
interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

// The PostgreSQL counterpart of message-page-query.test.ts (SQLite's EXPLAIN QUERY PLAN).
describe("messagePageQuery on PostgreSQL", () => {
  let target: TestDatabase;
  let database: OpenedDatabase;
  beforeAll(async () => {
    target = await createTestDatabase("", "postgres");
    database = openDatabase(target.url, { poolSize: 1 });
    await migrateToLatest(database);
    // Enough history for the planner to weigh an index against a scan: 50 rooms of 1,000 messages.
    await sql`insert into users (id, username, username_key, password_hash, created_at)
      values ('u', 'u', 'u', 'x', '2026-01-01T00:00:00.000Z')`.execute(database.db);
    await sql`insert into rooms (id, name, is_open, member_count, last_seq, created_at)
      select 'room' || r, 'r', 1, 1, 1000, '2026-01-01T00:00:00.000Z' from generate_series(1, 50) r`.execute(
      database.db,
    );
    await sql`insert into messages (id, room_id, seq, author_id, body, created_at)
      select 'm' || r || '-' || s, 'room' || r, s, 'u', 'hello', '2026-01-01T00:00:00.000Z'
      from generate_series(1, 50) r, generate_series(1, 1000) s`.execute(database.db);
    // And one long thread in room7: 5,000 replies under its first message, newer than the rest.
    await sql`insert into messages (id, room_id, seq, author_id, body, created_at, thread_id)
      select 'reply' || s, 'room7', 1000 + s, 'u', 'hi', '2026-01-01T00:00:00.000Z', 'm7-1'
      from generate_series(1, 5000) s`.execute(database.db);
    await sql`analyze messages`.execute(database.db);
  });
  afterAll(async () => {
    await database?.close();
    await target?.drop();
  });

  const cursors: MessagePageCursor[] = [{ newest: true }, { before: 500 }, { after: 500 }];

  it.each(cursors)("reads the (room_id, seq) index in order and never sorts: %o", async (cursor) => {
    const { sql: text, parameters } = messagePageQuery(database.db, "room7", cursor, 51).compile();
    const plan = await database.db.executeQuery<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
      CompiledQuery.raw(`explain (format json) ${text}`, [...parameters]),
    );
    const nodes = nodesOf(plan.rows[0]?.["QUERY PLAN"][0].Plan as PlanNode);
    expect(nodes.map((n) => n["Node Type"])).not.toContain("Sort");
    expect(nodes.map((n) => n["Node Type"])).not.toContain("Seq Scan");
    expect(nodes.find((n) => n["Index Name"])?.["Index Name"]).toBe("messages_by_seq");
    expect(text).not.toMatch(/offset/i);
  });

  it.each(cursors)("reads a page of the room's own messages from messages_room_history: %o", async (cursor) => {
    // Not the 5,000 replies above them, read and skipped; the reader's own reactions come with the rows.
    const { sql: text, parameters } = messagePageQuery(database.db, "room7", cursor, 51, "room", "u").compile();
    const plan = await database.db.executeQuery<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
      CompiledQuery.raw(`explain (format json) ${text}`, [...parameters]),
    );
    const nodes = nodesOf(plan.rows[0]?.["QUERY PLAN"][0].Plan as PlanNode);
    expect(nodes.map((n) => n["Node Type"])).not.toContain("Sort");
    expect(nodes.find((n) => n["Index Name"])?.["Index Name"]).toBe("messages_room_history");
  });
});
