import { Migrator } from "kysely";
import { expect } from "vitest";
import type { OpenedDatabase } from "../../../db/src/dialect/open-database.js";
import { isUniqueViolation } from "../../../db/src/errors/unique-violation.js";
import { migrationProvider } from "../../../db/src/migrations/migrations.js";

/**
 * The check of migration 0026 on one engine (its SQLite and PostgreSQL tests share it): users
 * of before, two of them look-alikes, get their skeletons oldest first; the later look-alike
 * keeps its name with none; a new look-alike is refused by the unique index.
 */
export async function checkUsernameSkeletonsMigration({ db, engine }: OpenedDatabase): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(engine) });
  expect((await migrator.migrateTo("0023-a-webhooks")).error).toBeUndefined();
  const user = (id: string, username: string, minute: string) => ({
    id,
    username,
    username_key: username.toLowerCase(),
    password_hash: "x",
    created_at: `2026-01-02T03:${minute}:00.000Z`,
  });
  await db
    .insertInto("users")
    .values([user("u1", "admin", "01"), user("u2", "adrnin", "02"), user("u3", "bob", "03")])
    .execute();
  expect((await migrator.migrateTo("0026-username-skeletons")).error).toBeUndefined();
  const rows = await db.selectFrom("users").select(["id", "username_skeleton"]).orderBy("id").execute();
  expect(rows).toEqual([
    { id: "u1", username_skeleton: "adrnln" },
    { id: "u2", username_skeleton: null },
    { id: "u3", username_skeleton: "bob" },
  ]);
  const lookAlike = await db
    .insertInto("users")
    .values({ ...user("u4", "b0b", "04"), username_skeleton: "bob" })
    .execute()
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  expect(isUniqueViolation(lookAlike)).toBe(true);
  expect((await migrator.migrateDown()).error).toBeUndefined();
}
