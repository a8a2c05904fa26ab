import type { Database } from "@natter/db";
import { LIMITS, type Message, NatterError } from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { toTimestamp } from "../../clock/clock.js";
import { appendRoomEvent } from "../../events/room-log.js";
import { readableRoom, requireRole } from "../access/room-access.js";
import { findMessage, messageSeenBy, messagesSeenBy } from "../message-rows/message-rows.js";
import type { RoomWriter } from "../room-writes/room-writer.js";

export interface PinsServiceDeps {
  db: Kysely<Database>;
  writer: RoomWriter;
}

/** Pinned messages: a room's owner and admins pin, anyone who may read the room sees the pins. */
export class PinsService {
  constructor(private readonly deps: PinsServiceDeps) {}

  /**
   * Pins a message; admins and the owner only. Idempotent: a pinned message stays as it was
   * pinned. A deleted message cannot be pinned (CONFLICT); a room holds at most
   * `LIMITS.pinsPerRoomMax` pins (TOO_MANY_PINS).
   */
  pin(session: AuthSession, roomId: string, messageId: string): Promise<Message> {
    return this.deps.writer.write(roomId, async (trx, now) => {
      requireRole(await readableRoom(trx, roomId, session), "admin");
      const row = await findMessage(trx, roomId, messageId);
      if (row.deleted_at !== null) throw new NatterError("CONFLICT", "The message has been deleted");
      if (row.pinned_at !== null) return { events: [], result: await messageSeenBy(trx, row, session.userId) };
      const pinned = await trx
        .selectFrom("messages")
        .select((eb) => eb.fn.countAll<number | string>().as("count"))
        .where("room_id", "=", roomId)
        .where("pinned_at", "is not", null)
        .executeTakeFirstOrThrow();
      if (Number(pinned.count) >= LIMITS.pinsPerRoomMax) {
        throw new NatterError("TOO_MANY_PINS", `A room holds at most ${LIMITS.pinsPerRoomMax} pinned messages`);
      }
      const pinnedAt = toTimestamp(now);
      await trx
        .updateTable("messages")
        .set({ pinned_at: pinnedAt, pinned_by: session.userId })
        .where("id", "=", messageId)
        .execute();
      const event = await appendRoomEvent(
        trx,
        roomId,
        { type: "message.pinned", actorId: session.userId, messageId, pinnedAt, pinnedBy: session.userId },
        now,
      );
      const result = await messageSeenBy(
        trx,
        { ...row, pinned_at: pinnedAt, pinned_by: session.userId },
        session.userId,
      );
      return { events: [event], result };
    });
  }

  /** Unpins a message; admins and the owner only. Idempotent. */
  unpin(session: AuthSession, roomId: string, messageId: string): Promise<Message> {
    return this.deps.writer.write(roomId, async (trx, now) => {
      requireRole(await readableRoom(trx, roomId, session), "admin");
      const row = await findMessage(trx, roomId, messageId);
      if (row.pinned_at === null) return { events: [], result: await messageSeenBy(trx, row, session.userId) };
      await trx.updateTable("messages").set({ pinned_at: null, pinned_by: null }).where("id", "=", messageId).execute();
      const event = await appendRoomEvent(
        trx,
        roomId,
        { type: "message.unpinned", actorId: session.userId, messageId },
        now,
      );
      return {
        events: [event],
        result: await messageSeenBy(trx, { ...row, pinned_at: null, pinned_by: null }, session.userId),
      };
    });
  }

  /** The room's pinned messages, newest pin first; readable as the room is. */
  async list(session: AuthSession | null, roomId: string): Promise<Message[]> {
    const { db } = this.deps;
    await readableRoom(db, roomId, session);
    const rows = await db
      .selectFrom("messages")
      .selectAll()
      .where("room_id", "=", roomId)
      .where("pinned_at", "is not", null)
      .orderBy("pinned_at", "desc")
      .orderBy("seq", "desc")
      .limit(LIMITS.pinsPerRoomMax)
      .execute();
    return messagesSeenBy(db, rows, session?.userId ?? null);
  }
}
