import type { Database } from "@natter/db";
import { LIMITS, NatterError, type Reaction, type RoomEvent } from "@natter/shared";
import type { Kysely, Transaction } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { toTimestamp } from "../../clock/clock.js";
import { appendRoomEvent } from "../../events/room-log.js";
import { readableRoom, requireRole } from "../access/room-access.js";
import { requireNoBlock } from "../direct/blocks.js";
import {
  findMessage,
  type MessageRow,
  ownReactions,
  parseReactions,
  reactedWith,
  reactionsOf,
  storedReactions,
  withOwnReaction,
} from "../message-rows/message-rows.js";
import { requireNotMuted } from "../moderation/send-restrictions.js";
import { decodeSeqCursor, encodeCursor } from "../paging/page-cursor.js";
import type { RoomWriter } from "../room-writes/room-writer.js";

export interface ReactionsServiceDeps {
  db: Kysely<Database>;
  writer: RoomWriter;
}

/** A message's reactions after a change, as the caller sees them. */
export interface ReactionsResult {
  messageId: string;
  reactions: Reaction[];
}

/** Who reacted with one emoji, earliest first. */
export interface ReactorPage {
  reactors: Array<{ userId: string; reactedAt: string }>;
  nextCursor: string | null;
}

/**
 * Reactions: one row per user, emoji and message, and on the message its counts in first-use
 * order, both written in the room's serialised transaction with the `reaction.*` event, so
 * counts stay exact however many members react at once, on any node.
 */
export class ReactionsService {
  constructor(private readonly deps: ReactionsServiceDeps) {}

  /**
   * Adds the caller's reaction; members who may send only (not muted, no block in a direct
   * room). Idempotent: reacting again changes nothing.
   * A deleted message takes none (CONFLICT), nor a new emoji beyond the message's
   * `LIMITS.reactionsPerMessageMax` (TOO_MANY_REACTIONS).
   */
  react(session: AuthSession, roomId: string, messageId: string, emoji: string): Promise<ReactionsResult> {
    return this.deps.writer.write(roomId, async (trx, now) => {
      const access = await readableRoom(trx, roomId, session);
      requireRole(access, "member");
      // Reacting is saying something: refused where sending is, to the muted and across a block.
      if (access.kind === "direct") await requireNoBlock(trx, roomId, session.userId);
      await requireNotMuted(trx, access, session.userId, now);
      const row = await findMessage(trx, roomId, messageId);
      if (row.deleted_at !== null) throw new NatterError("CONFLICT", "The message has been deleted");
      const own = await ownReactions(trx, session.userId, [messageId]);
      if (reactedWith(own, messageId, emoji)) {
        return { events: [], result: { messageId, reactions: reactionsOf(messageId, row.reactions, own) } };
      }
      const stored = parseReactions(row.reactions);
      let entry = stored.find((each) => each.emoji === emoji);
      if (!entry) {
        if (stored.length >= LIMITS.reactionsPerMessageMax) {
          throw new NatterError(
            "TOO_MANY_REACTIONS",
            `A message takes at most ${LIMITS.reactionsPerMessageMax} different reactions`,
          );
        }
        entry = { emoji, count: 0 };
        stored.push(entry);
      }
      entry.count += 1;
      const json = storedReactions(stored);
      await trx.updateTable("messages").set({ reactions: json }).where("id", "=", messageId).execute();
      const event = await appendRoomEvent(
        trx,
        roomId,
        {
          type: "reaction.added",
          actorId: session.userId,
          messageId,
          emoji,
          userId: session.userId,
          count: entry.count,
        },
        now,
      );
      // The event's seq orders who reacted: strictly increasing, where two reactions can share a millisecond.
      await trx
        .insertInto("message_reactions")
        .values({
          message_id: messageId,
          emoji,
          user_id: session.userId,
          room_id: roomId,
          created_at: toTimestamp(now),
          seq: event.seq,
        })
        .execute();
      const mine = withOwnReaction(own, messageId, emoji, true);
      return { events: [event], result: { messageId, reactions: reactionsOf(messageId, json, mine) } };
    });
  }

  /**
   * Takes the caller's reaction back; members only. Idempotent: without the reaction (or on
   * a deleted message, which lost its reactions) it changes nothing.
   */
  unreact(session: AuthSession, roomId: string, messageId: string, emoji: string): Promise<ReactionsResult> {
    return this.deps.writer.write(roomId, async (trx, now) => {
      requireRole(await readableRoom(trx, roomId, session), "member");
      const row = await findMessage(trx, roomId, messageId);
      const own = await ownReactions(trx, session.userId, [messageId]);
      if (!reactedWith(own, messageId, emoji)) {
        return { events: [], result: { messageId, reactions: reactionsOf(messageId, row.reactions, own) } };
      }
      const { event, json } = await takeBackReaction(trx, row, session.userId, emoji, now);
      const mine = withOwnReaction(own, messageId, emoji, false);
      return { events: [event], result: { messageId, reactions: reactionsOf(messageId, json, mine) } };
    });
  }

  /**
   * Who reacted to a message with `emoji`, earliest first (by the seq of their `reaction.added`
   * event, so reactions within one millisecond keep their order); readable as the room is.
   */
  async reactors(
    session: AuthSession | null,
    roomId: string,
    messageId: string,
    emoji: string,
    { limit, cursor }: { limit: number; cursor?: string | undefined },
  ): Promise<ReactorPage> {
    const { db } = this.deps;
    await readableRoom(db, roomId, session);
    await findMessage(db, roomId, messageId);
    let query = db
      .selectFrom("message_reactions")
      .select(["user_id as userId", "created_at as reactedAt", "seq"])
      .where("message_id", "=", messageId)
      .where("emoji", "=", emoji);
    if (cursor !== undefined) query = query.where("seq", ">", decodeSeqCursor("reactors", cursor));
    const rows = await query
      .orderBy("seq")
      .limit(limit + 1)
      .execute();
    const reactors = rows.slice(0, limit);
    const last = reactors.at(-1);
    return {
      reactors: reactors.map(({ userId, reactedAt }) => ({ userId, reactedAt })),
      nextCursor: rows.length > limit && last ? encodeCursor("reactors", String(last.seq)) : null,
    };
  }
}

/**
 * Takes one user's reaction with `emoji` off a message in its room's transaction (the user
 * holds it): the row, the message's counts, and a `reaction.removed` event by that user. What
 * unreacting and an account deletion share.
 */
export async function takeBackReaction(
  trx: Transaction<Database>,
  row: Pick<MessageRow, "id" | "room_id" | "reactions">,
  userId: string,
  emoji: string,
  now: number,
): Promise<{ event: RoomEvent; json: string | null }> {
  const stored = parseReactions(row.reactions);
  const entry = stored.find((each) => each.emoji === emoji);
  const count = Math.max(0, (entry?.count ?? 1) - 1);
  const left = stored.flatMap((each) => (each.emoji !== emoji ? [each] : count > 0 ? [{ emoji, count }] : []));
  const json = storedReactions(left);
  await trx
    .deleteFrom("message_reactions")
    .where("message_id", "=", row.id)
    .where("emoji", "=", emoji)
    .where("user_id", "=", userId)
    .execute();
  await trx.updateTable("messages").set({ reactions: json }).where("id", "=", row.id).execute();
  const event = await appendRoomEvent(
    trx,
    row.room_id,
    { type: "reaction.removed", actorId: userId, messageId: row.id, emoji, userId, count },
    now,
  );
  return { event, json };
}
