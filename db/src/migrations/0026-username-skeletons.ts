import type { Kysely, Migration } from "kysely";
import { usernameSkeleton } from "../users/username-skeleton.js";
import type { ColumnTypes } from "./column-types.js";

/** Users are read and given their skeletons this many at a time. */
const BATCH = 1000;

/**
 * Usernames unique by what they look like too (`users.username_skeleton`, see
 * `usernameSkeleton`). Existing users get their skeleton, oldest first; a later one whose
 * skeleton an earlier user already has keeps its username with no skeleton (null, which the
 * unique index allows any number of times), and the name stays taken by the earlier one.
 */
export const usernameSkeletons = (t: ColumnTypes): Migration => ({
  // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its time, not today's types.
  async up(db: Kysely<any>) {
    await db.schema.alterTable("users").addColumn("username_skeleton", t.text).execute();
    const taken = new Set<string>();
    let after: { created_at: string; id: string } | undefined;
    for (;;) {
      let query = db
        .selectFrom("users")
        .select(["id", "username", "created_at"])
        .orderBy("created_at")
        .orderBy("id")
        .limit(BATCH);
      if (after) {
        const { created_at, id } = after;
        query = query.where((eb) =>
          eb.or([eb("created_at", ">", created_at), eb.and([eb("created_at", "=", created_at), eb("id", ">", id)])]),
        );
      }
      const users: { id: string; username: string; created_at: string }[] = await query.execute();
      for (const user of users) {
        const skeleton = usernameSkeleton(user.username);
        if (taken.has(skeleton)) continue;
        taken.add(skeleton);
        await db.updateTable("users").set({ username_skeleton: skeleton }).where("id", "=", user.id).execute();
      }
      if (users.length < BATCH) break;
      after = users[users.length - 1];
    }
    await db.schema.createIndex("users_username_skeleton").on("users").column("username_skeleton").unique().execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex("users_username_skeleton").execute();
    await db.schema.alterTable("users").dropColumn("username_skeleton").execute();
  },
});
