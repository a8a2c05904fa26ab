import { z } from "zod";
import { LIMITS } from "../limits.js";
import { followingTextRule, idSchema, nameTextSchema, timestampSchema } from "./common.js";

/** A member's role in a room: exactly one owner, any number of admins and members. */
export const roomRoleSchema = z.enum(["owner", "admin", "member"]);
export type RoomRole = z.infer<typeof roomRoleSchema>;

/** A room name: 1–100 characters, not blank, following the text rule for names. */
export const roomNameSchema = followingTextRule(
  nameTextSchema().min(1).max(LIMITS.roomNameMax),
  "name",
  `1 to ${LIMITS.roomNameMax} characters after trimming.`,
);

/** Slow mode's gap between one member's messages, in whole seconds: 0 (off) to 3600. */
export const slowModeSecondsSchema = z.number().int().min(0).max(LIMITS.slowModeSecondsMax);

/** A room for any number of people (`room`), or the one direct room of two users (`direct`). */
export const roomKindSchema = z.enum(["room", "direct"]);
export type RoomKind = z.infer<typeof roomKindSchema>;

/** A room as its readers see it. */
export const roomSchema = z
  .object({
    id: idSchema,
    name: z.string(),
    /** Open rooms can be joined by anyone and read by anyone, even anonymously. */
    open: z.boolean(),
    /** Rooms stored before kinds existed read as `room`. */
    kind: roomKindSchema.default("room"),
    /** Null for a direct room: it has two members and no owner. */
    ownerId: idSchema.nullable(),
    memberCount: z.number().int().nonnegative(),
    /** The `seq` of the room's newest event: where a live watch that wants only new events starts. */
    lastSeq: z.number().int().nonnegative(),
    /**
     * Slow mode: the least time, in seconds, between two messages of one member (owners and
     * admins are exempt); 0 when off. Rooms stored before slow mode existed read as 0.
     */
    slowModeSeconds: slowModeSecondsSchema.default(0),
    createdAt: timestampSchema,
  })
  .meta({ id: "Room" });
export type Room = z.infer<typeof roomSchema>;

/** A member of a room. */
export const memberSchema = z
  .object({
    userId: idSchema,
    username: z.string(),
    role: roomRoleSchema,
    joinedAt: timestampSchema,
  })
  .meta({ id: "Member" });
export type Member = z.infer<typeof memberSchema>;
