import type { Database } from "@natter/db";
import { NatterError } from "@natter/shared";
import type { Kysely } from "kysely";

/** The one answer to a refused direct room or message: it never says whether it was a block or a setting. */
export function blockedError(): NatterError {
  return new NatterError("BLOCKED", "This user cannot be messaged directly");
}

/** Whether either of two users has blocked the other. */
export async function blockedEitherWay(db: Kysely<Database>, userId: string, otherId: string): Promise<boolean> {
  const row = await db
    .selectFrom("user_blocks")
    .select("blocker_id")
    .where((eb) =>
      eb.or([
        eb.and([eb("blocker_id", "=", userId), eb("blocked_id", "=", otherId)]),
        eb.and([eb("blocker_id", "=", otherId), eb("blocked_id", "=", userId)]),
      ]),
    )
    .executeTakeFirst();
  return row !== undefined;
}

/** Refuses a message in a direct room when either of its two members blocked the other. */
export async function requireNoBlock(db: Kysely<Database>, roomId: string, authorId: string): Promise<void> {
  const other = await db
    .selectFrom("room_members")
    .select("user_id")
    .where("room_id", "=", roomId)
    .where("user_id", "!=", authorId)
    .executeTakeFirst();
  if (other && (await blockedEitherWay(db, authorId, other.user_id))) throw blockedError();
}

/** Of `userIds`, those who blocked `authorId`: they hear nothing of what the author writes. */
export async function usersBlocking(
  db: Kysely<Database>,
  authorId: string,
  userIds: readonly string[],
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await db
    .selectFrom("user_blocks")
    .select("blocker_id")
    .where("blocked_id", "=", authorId)
    .where("blocker_id", "in", userIds)
    .execute();
  return new Set(rows.map((row) => row.blocker_id));
}
