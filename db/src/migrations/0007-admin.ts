import { type Kysely, type Migration, sql } from "kysely";
import { messagesCounter, messagesInHourCounter, STAT_COUNTERS } from "../stats/stat-counters.js";

/** Every pair of activity filters gets an index that ends in the page order, so no filtered page scans. */
const ACTIVITY_INDEXES: Record<string, readonly string[]> = {
  activity_log_by_actor_action: ["actor_id", "action"],
  activity_log_by_room_action: ["room_id", "action"],
  activity_log_by_room_actor: ["room_id", "actor_id"],
  activity_log_by_room_actor_action: ["room_id", "actor_id", "action"],
};

/**
 * Server administration: fills the statistics counters from the rows there are (once; from
 * here on every write bumps them in its transaction), and adds the indexes that keep the
 * statistics' range counts and every combination of activity filters off full scans.
 */
export const admin = (): Migration => ({
  async up(db: Kysely<unknown>) {
    const total = (name: string, query: ReturnType<typeof sql>) =>
      sql`insert into stat_counters (name, value) select cast(${name} as text), (${query})`.execute(db);
    await sql`delete from stat_counters`.execute(db);
    await total(STAT_COUNTERS.users, sql`select count(*) from users`);
    await total(STAT_COUNTERS.admins, sql`select count(*) from users where is_admin = 1`);
    await total(STAT_COUNTERS.banned, sql`select count(*) from users where banned_at is not null`);
    await total(STAT_COUNTERS.openRooms, sql`select count(*) from rooms where is_open = 1`);
    await total(STAT_COUNTERS.closedRooms, sql`select count(*) from rooms where is_open = 0`);
    await total(STAT_COUNTERS.uploads, sql`select count(*) from uploads`);
    await total(STAT_COUNTERS.storedBytes, sql`select coalesce(sum(size), 0) from blobs`);
    // Counters are summed over their shards, so the rows there are may all start in shard 0.
    await total(messagesCounter(0), sql`select count(*) from messages where deleted_at is null`);
    const [before, after] = messagesInHourCounter("|", 0).split("|");
    await sql`insert into stat_counters (name, value)
      select cast(${before} as text) || substr(created_at, 1, 13) || cast(${after} as text), count(*) from messages
      group by substr(created_at, 1, 13)`.execute(db);

    // Covering: active sessions are counted from the index alone.
    await db.schema
      .createIndex("sessions_by_expiry")
      .on("sessions")
      .columns(["idle_expires_at", "absolute_expires_at"])
      .execute();
    await db.schema.dropIndex("sessions_by_idle_expiry").execute();
    for (const [name, columns] of Object.entries(ACTIVITY_INDEXES)) {
      await db.schema
        .createIndex(name)
        .on("activity_log")
        .columns([...columns, "created_at", "id"])
        .execute();
    }
  },
  async down(db: Kysely<unknown>) {
    for (const name of Object.keys(ACTIVITY_INDEXES)) await db.schema.dropIndex(name).execute();
    await db.schema.createIndex("sessions_by_idle_expiry").on("sessions").column("idle_expires_at").execute();
    await db.schema.dropIndex("sessions_by_expiry").execute();
    await sql`delete from stat_counters`.execute(db);
  },
});
