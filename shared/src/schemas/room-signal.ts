import { z } from "zod";
import { idSchema, timestampSchema } from "./common.js";

/** A signed-in user watching a room. */
export const presenceUserSchema = z
  .object({
    userId: idSchema,
    username: z.string(),
  })
  .meta({ id: "PresenceUser" });
export type PresenceUser = z.infer<typeof presenceUserSchema>;

/** A member typing in a room, until `expiresAt` unless they signal again. */
export const typingUserSchema = presenceUserSchema.extend({ expiresAt: timestampSchema }).meta({ id: "TypingUser" });
export type TypingUser = z.infer<typeof typingUserSchema>;

const count = z.number().int().nonnegative();

/**
 * An ephemeral signal of a room, streamed by `rooms.signals`: never stored, never
 * sequenced, so a client that reconnects starts again from a fresh `snapshot`.
 * Presence is who has `rooms.signals` open on the room now; a user with several open is
 * one presence. Anonymous watchers are counted, never named.
 */
export const roomSignalSchema = z
  .discriminatedUnion("type", [
    /** Always the first signal: who is watching and who is typing, this watcher included. */
    z.object({
      type: z.literal("snapshot"),
      roomId: idSchema,
      /** The first `LIMITS.presenceSnapshotMax` signed-in watchers, earliest first. */
      users: z.array(presenceUserSchema),
      /** How many signed-in users are watching. */
      userCount: count,
      anonymousCount: count,
      typing: z.array(typingUserSchema),
    }),
    /** A user opened their first watch of the room. */
    z.object({ type: z.literal("presence.joined"), roomId: idSchema, user: presenceUserSchema }),
    /** A user closed their last watch of the room. */
    z.object({ type: z.literal("presence.left"), roomId: idSchema, userId: idSchema }),
    /** The number of anonymous watchers changed. */
    z.object({ type: z.literal("presence.anonymous"), roomId: idSchema, anonymousCount: count }),
    /** A member started typing or is still typing: the indicator holds until `expiresAt`. */
    z.object({ type: z.literal("typing"), roomId: idSchema, ...typingUserSchema.shape }),
    /** A member's typing expired without a refresh. */
    z.object({ type: z.literal("typing.stopped"), roomId: idSchema, userId: idSchema }),
    /**
     * A member's read cursor moved: sent to members only, at most one per member and room per
     * `LIMITS.receiptIntervalMs` (the last position always follows), never for a member who
     * turned receipts off. Not part of the room's log: `GET /rooms/{roomId}/receipts` is the state.
     */
    z.object({
      type: z.literal("receipt.updated"),
      roomId: idSchema,
      userId: idSchema,
      lastReadSeq: count,
      at: timestampSchema,
    }),
  ])
  .meta({ id: "RoomSignal" });
export type RoomSignal = z.infer<typeof roomSignalSchema>;
export type RoomSignalType = RoomSignal["type"];
/** A member's read cursor moved. */
export type ReceiptSignal = Extract<RoomSignal, { type: "receipt.updated" }>;
/** The signal a watch starts with. */
export type RoomSnapshotSignal = Extract<RoomSignal, { type: "snapshot" }>;

export const roomSignalsInputSchema = z.strictObject({ roomId: idSchema });

export const typingInputSchema = z.strictObject({ roomId: idSchema });

export const typingResultSchema = z.object({
  /** When the typing indicator lapses unless `rooms.typing` is called again before. */
  expiresAt: timestampSchema,
});

export const roomPresenceInputSchema = z.strictObject({ roomId: idSchema });

/**
 * Who is watching a room now: the users with `rooms.signals` open on it (a user with several
 * open is one), named up to `LIMITS.presenceSnapshotMax`, and anonymous watchers counted.
 */
export const roomPresenceSchema = z
  .object({
    roomId: idSchema,
    /** The first `LIMITS.presenceSnapshotMax` signed-in watchers, earliest first. */
    users: z.array(presenceUserSchema),
    /** How many signed-in users are watching. */
    userCount: count,
    anonymousCount: count,
  })
  .meta({ id: "RoomPresence" });
export type RoomPresence = z.infer<typeof roomPresenceSchema>;

export const roomPresenceResultSchema = z.object({ presence: roomPresenceSchema });
