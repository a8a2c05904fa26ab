import { z } from "zod";
import { idSchema, timestampSchema } from "./common.js";
import { messageSchema } from "./message.js";
import { pageLimitSchema } from "./pagination.js";

/** A room's pinned messages, newest pin first (at most `LIMITS.pinsPerRoomMax`). */
export const pinsResultSchema = z.object({ messages: z.array(messageSchema) });

export const roomPinsInputSchema = z.strictObject({ roomId: idSchema });

/** A thread the caller started or replied in, with the replies they have not read. */
export const myThreadSchema = z
  .object({
    root: messageSchema,
    /** Replies by others after the caller's room read cursor and their own last reply; up to `LIMITS.unreadCountMax`. */
    unreadCount: z.number().int().nonnegative(),
  })
  .meta({ id: "MyThread" });
export type MyThread = z.infer<typeof myThreadSchema>;

export const myThreadsInputSchema = z.strictObject({
  limit: pageLimitSchema,
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
});

/** The caller's threads, newest activity first. */
export const myThreadsResultSchema = z.object({ threads: z.array(myThreadSchema), nextCursor: z.string().nullable() });
export type MyThreadsPage = z.infer<typeof myThreadsResultSchema>;

/** How far a member has read, as others may see it. */
export const receiptSchema = z
  .object({ userId: idSchema, lastReadSeq: z.number().int().nonnegative(), at: timestampSchema })
  .meta({ id: "Receipt" });
export type Receipt = z.infer<typeof receiptSchema>;

export const receiptsInputSchema = z.strictObject({
  roomId: idSchema,
  limit: pageLimitSchema,
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
});

/** Members' read positions in user id order; members who share none are left out. */
export const receiptsResultSchema = z.object({ receipts: z.array(receiptSchema), nextCursor: z.string().nullable() });
export type ReceiptsPage = z.infer<typeof receiptsResultSchema>;
