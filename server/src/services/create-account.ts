import { bumpCounters, type Database, isUniqueViolation, STAT_COUNTERS, usernameSkeleton, uuidV7 } from "@natter/db";
import { NatterError, type User, usernameKeyOf } from "@natter/shared";
import type { Kysely } from "kysely";
import type { PasswordHasher } from "../auth/password-hasher.js";
import { toTimestamp } from "../clock/clock.js";
import { toUser } from "./accounts-service.js";
import { recordActivity } from "./activity-log.js";
import { queueUserCreatedDeliveries } from "./webhooks/webhook-outbox.js";

export interface NewAccount {
  username: string;
  password: string;
  /** Who makes it: an admin's id, null for the command line; left out, the new user (a sign-up). */
  actorId?: string | null;
}

/**
 * Creates an account whatever the sign-up policy, counted and logged in one transaction:
 * the one way accounts come to exist (sign-up, `POST /admin/users`, `natter users add`,
 * `natter seed`). USERNAME_TAKEN when the name is taken in any case, or one that looks like it
 * (the same confusable skeleton).
 */
export async function createAccount(
  db: Kysely<Database>,
  hasher: PasswordHasher,
  { username, password, actorId }: NewAccount,
  now: number,
): Promise<User> {
  const passwordHash = await hasher.hash(password);
  const row = {
    id: uuidV7(now),
    username,
    username_key: usernameKeyOf(username),
    username_skeleton: usernameSkeleton(username),
    password_hash: passwordHash,
    created_at: toTimestamp(now),
  };
  const user = toUser({ ...row, display_name: null, bio: null, avatar_upload_id: null });
  try {
    await db.transaction().execute(async (trx) => {
      await trx.insertInto("users").values(row).execute();
      await bumpCounters(trx, { [STAT_COUNTERS.users]: 1 });
      await recordActivity(
        trx,
        { action: "user.created", actorId: actorId === undefined ? row.id : actorId, subjectId: row.id },
        now,
      );
      await queueUserCreatedDeliveries(trx, user, now);
    });
  } catch (error) {
    if (isUniqueViolation(error))
      throw new NatterError("USERNAME_TAKEN", "That username is taken, or one that looks like it");
    throw error;
  }
  return user;
}
