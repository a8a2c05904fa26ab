import type { Database } from "@natter/db";
import { type BlockedUser, type BlockPage, NatterError } from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import type { Clock } from "../../clock/clock.js";
import { toTimestamp } from "../../clock/clock.js";
import { toUser } from "../accounts/to-user.js";
import { decodeCursor, encodeCursor } from "../paging/page-cursor.js";

export interface BlocksServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
}

/**
 * A user's blocks. A blocked user cannot open a direct room with the blocker or send in
 * theirs, and their mentions do not notify the blocker; they are told nothing else.
 */
export class BlocksService {
  constructor(private readonly deps: BlocksServiceDeps) {}

  /** Blocks a user; blocking again keeps the first block. */
  async block(session: AuthSession, userId: string): Promise<BlockedUser> {
    const { db, clock } = this.deps;
    if (userId === session.userId) {
      throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
        issues: [{ path: "userId", message: "you cannot block yourself" }],
      });
    }
    const user = await db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirst();
    if (!user) throw new NatterError("USER_NOT_FOUND", "No such user");
    await db
      .insertInto("user_blocks")
      .values({ blocker_id: session.userId, blocked_id: userId, created_at: toTimestamp(clock.now()) })
      .onConflict((oc) => oc.columns(["blocker_id", "blocked_id"]).doNothing())
      .execute();
    const row = await this.blocksQuery(session.userId).where("user_blocks.blocked_id", "=", userId).executeTakeFirst();
    if (!row) throw new NatterError("USER_NOT_FOUND", "No such user");
    return toBlockedUser(row);
  }

  /** Lifts a block; lifting one that is not there changes nothing. */
  async unblock(session: AuthSession, userId: string): Promise<void> {
    await this.deps.db
      .deleteFrom("user_blocks")
      .where("blocker_id", "=", session.userId)
      .where("blocked_id", "=", userId)
      .execute();
  }

  /** The caller's blocks, most recent first. */
  async list(
    session: AuthSession,
    { limit, cursor }: { limit: number; cursor?: string | undefined },
  ): Promise<BlockPage> {
    let query = this.blocksQuery(session.userId);
    if (cursor !== undefined) {
      const [createdAt = "", userId = ""] = decodeCursor("blocks", cursor).split(" ");
      query = query.where((eb) =>
        eb.or([
          eb("user_blocks.created_at", "<", createdAt),
          eb.and([eb("user_blocks.created_at", "=", createdAt), eb("user_blocks.blocked_id", "<", userId)]),
        ]),
      );
    }
    const rows = await query
      .orderBy("user_blocks.created_at", "desc")
      .orderBy("user_blocks.blocked_id", "desc")
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      blocks: page.map(toBlockedUser),
      nextCursor: rows.length > limit && last ? encodeCursor("blocks", `${last.blocked_at} ${last.id}`) : null,
    };
  }

  private blocksQuery(blockerId: string) {
    return this.deps.db
      .selectFrom("user_blocks")
      .innerJoin("users", "users.id", "user_blocks.blocked_id")
      .selectAll("users")
      .select("user_blocks.created_at as blocked_at")
      .where("user_blocks.blocker_id", "=", blockerId);
  }
}

function toBlockedUser(row: Parameters<typeof toUser>[0] & { blocked_at: string }): BlockedUser {
  return { user: toUser(row), blockedAt: row.blocked_at };
}
