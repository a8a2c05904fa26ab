import { bumpCounters, type Database, isUniqueViolation, STAT_COUNTERS, usernameSkeleton, uuidV7 } from "@natter/db";
import { NatterError, type User, usernameKeyOf } from "@natter/shared";
import type { Kysely, Transaction } from "kysely";
import type { PasswordHasher } from "../../auth/password-hasher.js";
import { toTimestamp } from "../../clock/clock.js";
import { recordActivity } from "../activity/activity-log.js";
import { queueUserCreatedDeliveries } from "../webhooks/webhook-outbox.js";
import { toUser } from "./to-user.js";

export interface NewAccount {
  username: string;
  /** Null for a bot, which never signs in with a password. */
  password: string | null;
  /** Set for a bot account: its display name. */
  bot?: { displayName: string };
  /** Who makes it: an admin's id, null for the command line; left out, the new user (a sign-up). */
  actorId?: string | null;
}

/** What a bot's password hash holds: not the form of any hash the hasher makes. */
const BOT_PASSWORD_HASH = "!bot";

/**
 * Creates an account whatever the sign-up policy, counted and logged in one transaction:
 * the one way accounts come to exist (sign-up, `POST /admin/users`, `natter users add`,
 * `natter seed`). USERNAME_TAKEN when the name is taken in any case, or one that looks like it
 * (the same confusable skeleton).
 */
export async function createAccount(
  db: Kysely<Database>,
  hasher: PasswordHasher,
  { username, password, actorId, bot }: NewAccount,
  now: number,
): Promise<User> {
  // A bot's hash is no hash any password matches (log-in does not even try a bot's).
  const passwordHash = password === null ? BOT_PASSWORD_HASH : await hasher.hash(password);
  const row = {
    id: uuidV7(now),
    username,
    username_key: usernameKeyOf(username),
    username_skeleton: usernameSkeleton(username),
    password_hash: passwordHash,
    created_at: toTimestamp(now),
    display_name: bot?.displayName ?? null,
    display_name_key: bot?.displayName.toLowerCase() ?? null,
    is_bot: bot ? 1 : 0,
  };
  const user = toUser({ ...row, bio: null, avatar_upload_id: null });
  try {
    await db.transaction().execute(async (trx) => {
      await refuseReservedUsername(trx, row, now);
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

/**
 * USERNAME_TAKEN for the username of an account deleted less than 30 days ago, or one that
 * looks like it (the same answer as for a name in use, so a reservation tells nothing more).
 */
async function refuseReservedUsername(
  trx: Transaction<Database>,
  row: { username_key: string; username_skeleton: string },
  now: number,
): Promise<void> {
  const reserved = await trx
    .selectFrom("reserved_usernames")
    .select("username_key")
    .where((eb) =>
      eb.or([eb("username_key", "=", row.username_key), eb("username_skeleton", "=", row.username_skeleton)]),
    )
    .where("reserved_until", ">", toTimestamp(now))
    .executeTakeFirst();
  if (reserved) throw new NatterError("USERNAME_TAKEN", "That username is taken, or one that looks like it");
}
