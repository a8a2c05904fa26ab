import { z } from "zod";
import { LIMITS } from "../limits.js";
import { followingTextRule, idSchema, timestampSchema } from "./common.js";
import { pageLimitSchema } from "./pagination.js";

/** Why a member was muted: for the room's owner and admins, never shown in the room's log. */
export const muteReasonSchema = followingTextRule(
  z.string().trim().max(LIMITS.muteReasonMax),
  "body",
  `Up to ${LIMITS.muteReasonMax} characters.`,
);

/** A member muted in a room: they may read it, not send, react or post in threads. */
export const roomMuteSchema = z
  .object({
    roomId: idSchema,
    userId: idSchema,
    username: z.string(),
    /** When the mute ends by itself; null when it lasts until an admin lifts it. */
    until: timestampSchema.nullable(),
    reason: z.string().nullable(),
    /** Who muted them; null when that account is gone. */
    mutedBy: idSchema.nullable(),
    createdAt: timestampSchema,
  })
  .meta({ id: "RoomMute" });
export type RoomMute = z.infer<typeof roomMuteSchema>;

export const putMuteInputSchema = z.strictObject({
  roomId: idSchema,
  userId: idSchema,
  /** When the mute ends by itself (in the future); omitted, it lasts until lifted. */
  until: timestampSchema.optional(),
  reason: muteReasonSchema.optional(),
});
export type PutMuteInput = z.infer<typeof putMuteInputSchema>;

export const muteResultSchema = z.object({ mute: roomMuteSchema });

export const unmuteInputSchema = z.strictObject({ roomId: idSchema, userId: idSchema });

/** Lifting a mute: `unmuted` says whether there was one in force to lift. */
export const unmuteResultSchema = z.object({ roomId: idSchema, userId: idSchema, unmuted: z.boolean() });

export const listMutesInputSchema = z.strictObject({
  roomId: idSchema,
  limit: pageLimitSchema,
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
});
export type ListMutesInput = z.infer<typeof listMutesInputSchema>;

/** The mutes in force in a room, by user id; `nextCursor` is null on the last page. */
export const mutePageSchema = z.object({ mutes: z.array(roomMuteSchema), nextCursor: z.string().nullable() });
export type MutePage = z.infer<typeof mutePageSchema>;
