import { migrateToLatest, type OpenedDatabase, openDatabase } from "@natter/db";
import { CompiledQuery } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MessagePageCursor, messagePageQuery } from "./message-page-query.js";

describe("messagePageQuery", () => {
  let database: OpenedDatabase;
  beforeAll(async () => {
    database = openDatabase(":memory:");
    await migrateToLatest(database);
  });
  afterAll(() => database.close());

  const cursors: MessagePageCursor[] = [{ newest: true }, { before: 1_000_000 }, { after: 1_000_000 }];

  it.each(cursors)("seeks the (room_id, seq) index and never sorts or skips rows: %o", async (cursor) => {
    const { sql, parameters } = messagePageQuery(database.db, "room", cursor, 51).compile();
    const plan = await database.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${sql}`, [...parameters]),
    );
    const details = plan.rows.map((row) => row.detail);
    expect(details).toHaveLength(1);
    expect(details[0]).toMatch(/^SEARCH messages USING INDEX messages_by_seq \(room_id=\?( AND seq[<>]\?)?\)$/);
    expect(sql).not.toMatch(/offset/i);
  });

  it.each(cursors)("reads a page of the room's own messages from messages_room_history: %o", async (cursor) => {
    // Thread replies are left out of it: a page reads no reply between its messages.
    const { sql, parameters } = messagePageQuery(database.db, "room", cursor, 51, "room").compile();
    const plan = await database.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${sql}`, [...parameters]),
    );
    expect(plan.rows.map((row) => row.detail)).toEqual([
      expect.stringMatching(/^SEARCH messages USING INDEX messages_room_history \(room_id=\?( AND seq[<>]\?)?\)$/),
    ]);
  });

  it.each(cursors)("reads the reader's own reactions with the page, one index seek a message: %o", async (cursor) => {
    const { sql, parameters } = messagePageQuery(database.db, "room", cursor, 51, "room", "reader").compile();
    const plan = await database.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${sql}`, [...parameters]),
    );
    expect(plan.rows.map((row) => row.detail)).toEqual([
      expect.stringMatching(/^SEARCH messages USING INDEX messages_room_history \(room_id=\?( AND seq[<>]\?)?\)$/),
      "CORRELATED SCALAR SUBQUERY 1",
      "SEARCH own USING COVERING INDEX message_reactions_by_user (user_id=? AND message_id=?)",
    ]);
  });
});
