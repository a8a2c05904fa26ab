import { type Kysely, type Migration, sql } from "kysely";
import type { DatabaseEngine } from "../dialect/database-engine.js";
import type { ColumnTypes } from "./column-types.js";

/** What a room's cache version changes on: each trigger, its table and its events. */
const TRIGGERS = [
  { name: "room_members_cache_version_insert", table: "room_members", when: "insert", rooms: "new" },
  { name: "room_members_cache_version_delete", table: "room_members", when: "delete", rooms: "old" },
  { name: "room_members_cache_version_role", table: "room_members", when: "update of role", rooms: "both" },
  { name: "webhooks_cache_version_insert", table: "webhooks", when: "insert", rooms: "new" },
  { name: "webhooks_cache_version_delete", table: "webhooks", when: "delete", rooms: "old" },
  {
    name: "webhooks_cache_version_update",
    table: "webhooks",
    when: "update of enabled, events, room_id",
    rooms: "both",
  },
] as const;

/**
 * `rooms.cache_version`: a random number that changes, in the same transaction, with anything
 * a send reads of its room beside the room's own row: a member joining, leaving, being kicked or
 * changing role, and a webhook endpoint of the room (or a server-wide one, which touches every
 * room) being made, changed, disabled or deleted. Triggers change it, so that no writer (a
 * service, the delivery worker disabling an endpoint, a cascade, `natter copy`) can forget to.
 * A send reads it with the room's next seq and uses what a node keeps in memory of the room only
 * when the version matches (see `RoomStateCache`): a stale entry is never used, on any node. It
 * is random rather than counted so that a version some rolled-back transaction saw is never
 * given again to a different state.
 */
export const roomCacheVersion = (t: ColumnTypes, engine: DatabaseEngine): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable("rooms")
      .addColumn("cache_version", t.integer, (c) => c.notNull().defaultTo(0))
      .execute();
    if (engine === "sqlite") {
      for (const trigger of TRIGGERS) {
        const which = roomsOf(trigger.table, trigger.rooms, (side, column) => `${side}.${column}`);
        await sql
          .raw(
            `create trigger ${trigger.name} after ${trigger.when} on ${trigger.table} begin ` +
              `update rooms set cache_version = abs(random() % 9007199254740991) where ${which}; end`,
          )
          .execute(db);
      }
      return;
    }
    for (const table of ["room_members", "webhooks"] as const) {
      const which = roomsOf(table, "both", (side, column) => `${side}.${column}`);
      await sql
        .raw(
          `create function ${table}_cache_version() returns trigger language plpgsql as $$ begin ` +
            `update rooms set cache_version = floor(random() * 9007199254740991)::bigint where ${which}; ` +
            "return null; end $$",
        )
        .execute(db);
    }
    for (const trigger of TRIGGERS) {
      await sql
        .raw(
          `create trigger ${trigger.name} after ${trigger.when} on ${trigger.table} ` +
            `for each row execute function ${trigger.table}_cache_version()`,
        )
        .execute(db);
    }
  },
  async down(db: Kysely<unknown>) {
    for (const trigger of TRIGGERS) {
      await sql
        .raw(`drop trigger if exists ${trigger.name}${engine === "sqlite" ? "" : ` on ${trigger.table}`}`)
        .execute(db);
    }
    if (engine === "postgres") {
      await sql.raw("drop function if exists room_members_cache_version()").execute(db);
      await sql.raw("drop function if exists webhooks_cache_version()").execute(db);
    }
    await db.schema.alterTable("rooms").dropColumn("cache_version").execute();
  },
});

/**
 * The condition naming the rooms a change of a row touches: the row's room before and/or after;
 * for a webhook without a room (server-wide), every room. PostgreSQL's trigger function serves
 * inserts, updates and deletes alike, where `old` or `new` is null (`both`).
 */
function roomsOf(
  table: "room_members" | "webhooks",
  rooms: "new" | "old" | "both",
  ref: (side: "new" | "old", column: string) => string,
): string {
  const sides = rooms === "both" ? (["old", "new"] as const) : [rooms];
  const conditions = sides.map((side) =>
    table === "webhooks"
      ? `(${ref(side, "id")} is not null and (${ref(side, "room_id")} is null or id = ${ref(side, "room_id")}))`
      : `id = ${ref(side, "room_id")}`,
  );
  return conditions.join(" or ");
}
