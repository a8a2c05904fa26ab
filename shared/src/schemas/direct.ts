import { z } from "zod";
import { idSchema, timestampSchema } from "./common.js";
import { messageSchema } from "./message.js";
import { pageLimitSchema } from "./pagination.js";
import { roomSchema } from "./room.js";
import { userSchema } from "./user.js";

export const openDirectRoomInputSchema = z.strictObject({ userId: idSchema });

/** The direct room of two users; `created` says whether this call made it. */
export const directRoomResultSchema = z.object({ room: roomSchema, created: z.boolean() });
export type DirectRoomResult = z.infer<typeof directRoomResultSchema>;

/** One of the caller's direct rooms: the other person, the newest message and the caller's unread count. */
export const directRoomSummarySchema = z
  .object({
    room: roomSchema,
    otherUser: userSchema,
    /** The newest message (possibly a tombstone); null before the first. */
    lastMessage: messageSchema.nullable(),
    /** As in `GET /me/unread`. */
    unreadCount: z.number().int().nonnegative(),
  })
  .meta({ id: "DirectRoom" });
export type DirectRoomSummary = z.infer<typeof directRoomSummarySchema>;

export const directRoomsInputSchema = z.strictObject({
  limit: pageLimitSchema,
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
});
export type DirectRoomsInput = z.infer<typeof directRoomsInputSchema>;

/** The caller's direct rooms, newest activity first. */
export const directRoomPageSchema = z.object({
  directRooms: z.array(directRoomSummarySchema),
  nextCursor: z.string().nullable(),
});
export type DirectRoomPage = z.infer<typeof directRoomPageSchema>;

export const blockUserInputSchema = z.strictObject({ userId: idSchema });

/** A user the caller has blocked. */
export const blockedUserSchema = z.object({ user: userSchema, blockedAt: timestampSchema }).meta({ id: "BlockedUser" });
export type BlockedUser = z.infer<typeof blockedUserSchema>;

export const blockResultSchema = z.object({ blocked: blockedUserSchema });

export const unblockResultSchema = z.object({ userId: idSchema, blocked: z.literal(false) });

export const blocksInputSchema = directRoomsInputSchema;

/** The caller's blocks, newest first. */
export const blockPageSchema = z.object({ blocks: z.array(blockedUserSchema), nextCursor: z.string().nullable() });
export type BlockPage = z.infer<typeof blockPageSchema>;
