import type { Database } from "@natter/db";
import { LIMITS, type ReceiptsPage } from "@natter/shared";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { AuthSession } from "../../auth/auth-session.js";
import type { Clock } from "../../clock/clock.js";
import type { RoomSignalBus } from "../../events/room-signal-bus.js";
import type { RateLimitStore } from "../../rate-limit/rate-limit-store.js";
import { readableRoom, requireRole } from "../access/room-access.js";
import { decodeCursor, encodeCursor } from "../paging/page-cursor.js";

export interface ReadReceiptsDeps {
  db: Kysely<Database>;
  clock: Clock;
  signals: RoomSignalBus;
  /** Shared by every node (Redis) when there are several: one window per member and room, wherever they read. */
  windows: RateLimitStore;
  logger: Logger;
}

/** One `receipt.updated` per member and room per window, across every node. */
const RULE = { limit: 1, windowMs: LIMITS.receiptIntervalMs };

/**
 * Read receipts: how far each member has read, shown to the room's other members. The state
 * is the members' read cursors (`room_members.read_seq`), so receipts take no room in the
 * room's log; a move of a cursor is announced as an ephemeral `receipt.updated` signal (as
 * Matrix sends receipts as EDUs beside the timeline), at most one per member and room per
 * second across nodes: the first move in a window goes at once, later ones wait for the next
 * window, and the signal then carries the cursor as it stands, so the last position always
 * reaches watchers and a burst of reads costs one signal per second.
 */
export class ReadReceipts {
  /** Members and rooms (`roomId userId`) whose next signal waits for the window to end. */
  private readonly waiting = new Map<string, NodeJS.Timeout>();

  constructor(private readonly deps: ReadReceiptsDeps) {}

  /** A member's read cursor moved forward: tells the room, now or when the window allows. */
  moved(roomId: string, userId: string): void {
    const key = `${roomId} ${userId}`;
    if (this.waiting.has(key)) return;
    this.announce(roomId, userId, key).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, roomId }, "read receipt not announced");
    });
  }

  /** The room's members' read positions, those who turned receipts off left out. Members only. */
  async list(
    session: AuthSession,
    roomId: string,
    { limit, cursor }: { limit: number; cursor?: string | undefined },
  ): Promise<ReceiptsPage> {
    const { db } = this.deps;
    requireRole(await readableRoom(db, roomId, session), "member");
    let query = db
      .selectFrom("room_members")
      .innerJoin("users", "users.id", "room_members.user_id")
      .select(["room_members.user_id as userId", "room_members.read_seq as lastReadSeq", "room_members.read_at as at"])
      .where("room_members.room_id", "=", roomId)
      .where("room_members.read_at", "is not", null)
      .where("users.share_read_receipts", "=", 1);
    if (cursor !== undefined) query = query.where("room_members.user_id", ">", decodeCursor("receipts", cursor));
    const rows = await query
      .orderBy("room_members.user_id")
      .limit(limit + 1)
      .execute();
    const receipts = rows.slice(0, limit).map((row) => ({ ...row, at: row.at as string }));
    const last = receipts.at(-1);
    return { receipts, nextCursor: rows.length > limit && last ? encodeCursor("receipts", last.userId) : null };
  }

  /** Stops the waiting announcements (the server is closing). */
  close(): void {
    for (const timer of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
  }

  private async announce(roomId: string, userId: string, key: string): Promise<void> {
    const { windows, clock } = this.deps;
    const decision = await windows.hit(`receipt:${key}`, RULE, clock.now());
    if (!decision.allowed) {
      const timer = setTimeout(
        () => {
          this.waiting.delete(key);
          this.moved(roomId, userId);
        },
        Math.max(1, decision.resetAt - clock.now()),
      );
      timer.unref();
      this.waiting.set(key, timer);
      return;
    }
    const row = await this.deps.db
      .selectFrom("room_members")
      .innerJoin("users", "users.id", "room_members.user_id")
      .select(["room_members.read_seq", "room_members.read_at", "users.share_read_receipts"])
      .where("room_members.room_id", "=", roomId)
      .where("room_members.user_id", "=", userId)
      .executeTakeFirst();
    if (!row || row.read_at === null || row.share_read_receipts !== 1) return;
    await this.deps.signals.receipt({
      type: "receipt.updated",
      roomId,
      userId,
      lastReadSeq: row.read_seq,
      at: row.read_at,
    });
  }
}
