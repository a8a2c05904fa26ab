import { Migrator } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { type OpenedDatabase, openDatabase } from "../dialect/open-database.js";
import { readCounters, STAT_COUNTERS } from "../stats/stat-counters.js";
import { migrateToLatest } from "./migrate.js";
import { migrationProvider } from "./migrations.js";

describe("migration 0007-admin", () => {
  let database: OpenedDatabase;
  afterEach(() => database.close());

  it("fills the statistics counters from the rows a database already holds", async () => {
    database = openDatabase(":memory:");
    const { db } = database;
    const migrator = new Migrator({ db, provider: migrationProvider("sqlite") });
    expect((await migrator.migrateTo("0006-uploads")).error).toBeUndefined();
    const at = (hour: string) => `2026-01-02T${hour}:15:00.000Z`;
    await db
      .insertInto("users")
      .values([
        {
          id: "u1",
          username: "a",
          username_key: "a",
          password_hash: "x",
          created_at: at("01"),
          is_admin: 1,
          banned_at: null,
        },
        {
          id: "u2",
          username: "b",
          username_key: "b",
          password_hash: "x",
          created_at: at("01"),
          is_admin: 0,
          banned_at: at("02"),
        },
        {
          id: "u3",
          username: "c",
          username_key: "c",
          password_hash: "x",
          created_at: at("01"),
          is_admin: 0,
          banned_at: null,
        },
      ])
      .execute();
    await db
      .insertInto("rooms")
      .values([
        { id: "r1", name: "open", is_open: 1, member_count: 1, last_seq: 3, created_at: at("01") },
        { id: "r2", name: "closed", is_open: 0, member_count: 1, last_seq: 1, created_at: at("01") },
      ])
      .execute();
    const message = (id: string, roomId: string, seq: number, hour: string, deleted = false) => ({
      id,
      room_id: roomId,
      seq,
      author_id: "u1",
      body: deleted ? null : "hi",
      created_at: at(hour),
      deleted_at: deleted ? at(hour) : null,
    });
    await db
      .insertInto("messages")
      .values([message("m1", "r1", 1, "03"), message("m2", "r1", 2, "03", true), message("m3", "r2", 1, "04")])
      .execute();
    await db.insertInto("blobs").values({ sha256: "s", size: 1234, ref_count: 2 }).execute();

    await migrateToLatest(database);
    const counters = await readCounters(db, [
      ...Object.values(STAT_COUNTERS),
      "messages:0",
      "messages@2026-01-02T03:0",
      "messages@2026-01-02T04:0",
    ]);
    expect(Object.fromEntries(counters)).toEqual({
      [STAT_COUNTERS.users]: 3,
      [STAT_COUNTERS.admins]: 1,
      [STAT_COUNTERS.banned]: 1,
      [STAT_COUNTERS.openRooms]: 1,
      [STAT_COUNTERS.closedRooms]: 1,
      [STAT_COUNTERS.uploads]: 0,
      [STAT_COUNTERS.storedBytes]: 1234,
      // Stored and not deleted; the hours count every message sent in them.
      "messages:0": 2,
      "messages@2026-01-02T03:0": 2,
      "messages@2026-01-02T04:0": 1,
    });
  });
});
