import { Migrator } from "kysely";
import { expect } from "vitest";
import type { OpenedDatabase } from "../../../db/src/dialect/open-database.js";
import { isUniqueViolation } from "../../../db/src/errors/unique-violation.js";
import { migrationProvider } from "../../../db/src/migrations/migrations.js";

/**
 * The check of migration 0034 on one engine (its SQLite and PostgreSQL tests share it): the
 * messages of before are still found by thread, by pin and by client id, a second message with
 * the same client id is still refused, and messages without one never collide; down too.
 */
export async function checkSendPartialIndexesMigration({ db, engine }: OpenedDatabase): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(engine) });
  expect((await migrator.migrateTo("0033-search-words-merge")).error).toBeUndefined();
  const at = "2026-01-02T03:04:05.000Z";
  await db
    .insertInto("users")
    .values({ id: "u1", username: "ann", username_key: "ann", password_hash: "x", created_at: at })
    .execute();
  await db
    .insertInto("rooms")
    .values({ id: "r1", name: "general", is_open: 1, member_count: 1, last_seq: 4, created_at: at })
    .execute();
  const message = (seq: number, extra: object = {}) => ({
    id: `m${seq}`,
    room_id: "r1",
    seq,
    author_id: "u1",
    body: `message ${seq}`,
    created_at: at,
    ...extra,
  });
  await db
    .insertInto("messages")
    .values([
      message(1, { pinned_at: at, pinned_by: "u1" }),
      message(2, { client_message_id: "retry-1" }),
      message(3, { thread_id: "m1" }),
      message(4),
    ])
    .execute();

  for (const step of ["up", "down"] as const) {
    if (step === "up") expect((await migrator.migrateTo("0034-send-partial-indexes")).error).toBeUndefined();
    else expect((await migrator.migrateDown()).error).toBeUndefined();
    const ids = async (query: Promise<{ id: string }[]>) => (await query).map((row) => row.id);
    const messages = db.selectFrom("messages").select("id").where("room_id", "=", "r1");
    expect(await ids(messages.where("thread_id", "=", "m1").execute())).toEqual(["m3"]);
    expect(await ids(messages.where("pinned_at", "is not", null).execute())).toEqual(["m1"]);
    expect(
      await ids(messages.where("author_id", "=", "u1").where("client_message_id", "=", "retry-1").execute()),
    ).toEqual(["m2"]);
    const again = await db
      .insertInto("messages")
      .values(message(10, { id: `again-${step}`, client_message_id: "retry-1" }))
      .execute()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(isUniqueViolation(again)).toBe(true);
    // Sends without a client id never collide.
    await db
      .insertInto("messages")
      .values([message(20, { id: `plain-a-${step}` }), message(21, { id: `plain-b-${step}` })])
      .execute();
    await db.deleteFrom("messages").where("seq", ">=", 20).execute();
  }
}
