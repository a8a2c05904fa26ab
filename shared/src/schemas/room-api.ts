import { z } from "zod";
import { LIMITS } from "../limits.js";
import { idSchema, jsonBooleanSchema } from "./common.js";
import { pageLimitSchema, pageOffsetSchema } from "./pagination.js";
import { memberSchema, roomNameSchema, roomRoleSchema, roomSchema, slowModeSecondsSchema } from "./room.js";

/** Creating a room: the caller becomes its owner; `memberIds` join it at once as members. */
export const createRoomInputSchema = z.strictObject({
  /** Derived from the members' usernames when omitted. */
  name: roomNameSchema.optional(),
  open: jsonBooleanSchema.default(true),
  /** Other users to add; duplicates and the caller's own id are ignored. */
  memberIds: z.array(idSchema).max(LIMITS.roomInitialMembersMax).default([]),
});
export type CreateRoomInput = z.infer<typeof createRoomInputSchema>;

/** Which rooms a listing covers: the caller's, or every room the caller may see. */
export const roomScopeSchema = z.enum(["joined", "all"]);
export type RoomScope = z.infer<typeof roomScopeSchema>;

export const listRoomsInputSchema = z.strictObject({
  scope: roomScopeSchema.default("joined"),
  limit: pageLimitSchema,
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
});
export type ListRoomsInput = z.infer<typeof listRoomsInputSchema>;

export const roomIdInputSchema = z.strictObject({ roomId: idSchema });

export const updateRoomInputSchema = z
  .strictObject({
    roomId: idSchema,
    name: roomNameSchema.optional(),
    open: jsonBooleanSchema.optional(),
    /** Slow mode in seconds, 0 to turn it off; owners and admins only. */
    slowModeSeconds: slowModeSecondsSchema.optional(),
  })
  .refine(
    (input) => input.name !== undefined || input.open !== undefined || input.slowModeSeconds !== undefined,
    "give a name, open, slowModeSeconds, or several",
  );
export type RoomChanges = Omit<z.infer<typeof updateRoomInputSchema>, "roomId">;

export const memberPageInputSchema = z.strictObject({
  roomId: idSchema,
  limit: pageLimitSchema,
  offset: pageOffsetSchema,
});
export type PageInput = Omit<z.infer<typeof memberPageInputSchema>, "roomId">;

export const memberInputSchema = z.strictObject({ roomId: idSchema, userId: idSchema });

export const putMemberInputSchema = z.strictObject({
  roomId: idSchema,
  userId: idSchema,
  /** Omitted: add as a member, or leave the role of an existing member as it is. */
  role: roomRoleSchema.optional(),
});

export const roomResultSchema = z.object({ room: roomSchema });

/** A page of rooms, newest first; `nextCursor` is null on the last page. */
export const roomPageSchema = z.object({ rooms: z.array(roomSchema), nextCursor: z.string().nullable() });
export type RoomPage = z.infer<typeof roomPageSchema>;

/** A slice of a room's members in joining order: `index` is the position of the first. */
export const memberPageSchema = z.object({
  members: z.array(memberSchema),
  index: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
});
export type MemberPage = z.infer<typeof memberPageSchema>;

export const memberResultSchema = z.object({ member: memberSchema });

export const roomOwnerResultSchema = z.object({ owner: z.object({ userId: idSchema, username: z.string() }) });

export const roomDeletedResultSchema = z.object({ roomId: idSchema, deleted: z.literal(true) });

/** Leaving: `deleted` says whether the caller was the last member, so the room is gone. */
export const leaveRoomResultSchema = z.object({ roomId: idSchema, deleted: z.boolean() });
export type LeaveRoomResult = z.infer<typeof leaveRoomResultSchema>;

/** Removing a member (or oneself): `roomDeleted` when that was the last member. */
export const removeMemberResultSchema = z.object({ roomId: idSchema, userId: idSchema, roomDeleted: z.boolean() });
