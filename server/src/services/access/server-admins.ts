import { bumpCounters, type Database, STAT_COUNTERS } from "@natter/db";
import { NatterError, usernameKeyOf } from "@natter/shared";
import type { Kysely } from "kysely";
import { recordActivity } from "../activity/activity-log.js";

/** Whether the user is a server admin now, as the database says (not as a session resolved earlier). */
export async function isServerAdmin(db: Kysely<Database>, userId: string): Promise<boolean> {
  const row = await db.selectFrom("users").select("is_admin").where("id", "=", userId).executeTakeFirst();
  return row?.is_admin === 1;
}

/** What granting or revoking did. */
export interface AdminFlagChange {
  userId: string;
  username: string;
  /** False when the user already was (or was not) an admin. */
  changed: boolean;
}

/**
 * Grants or revokes the server-admin flag of the user named `username` (any case). Only the
 * command line calls this: no procedure makes admins. USER_NOT_FOUND for an unknown name.
 */
export async function setServerAdmin(
  db: Kysely<Database>,
  username: string,
  admin: boolean,
  now: number,
): Promise<AdminFlagChange> {
  return db.transaction().execute(async (trx) => {
    const user = await trx
      .selectFrom("users")
      .select(["id", "username", "is_admin"])
      .where("username_key", "=", usernameKeyOf(username))
      .executeTakeFirst();
    if (!user) throw new NatterError("USER_NOT_FOUND", `No user named ${username}`);
    const changed = (user.is_admin === 1) !== admin;
    if (changed) {
      await trx
        .updateTable("users")
        .set({ is_admin: admin ? 1 : 0 })
        .where("id", "=", user.id)
        .execute();
      await bumpCounters(trx, { [STAT_COUNTERS.admins]: admin ? 1 : -1 });
      const action = admin ? "user.admin_granted" : "user.admin_revoked";
      await recordActivity(trx, { action, actorId: null, subjectId: user.id, detail: { via: "command line" } }, now);
    }
    return { userId: user.id, username: user.username, changed };
  });
}
