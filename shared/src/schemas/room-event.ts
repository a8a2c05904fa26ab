import { z } from "zod";
import { idSchema, timestampSchema } from "./common.js";
import { messageSchema } from "./message.js";
import { reactionEmojiSchema } from "./reaction.js";
import { memberSchema, roomRoleSchema, roomSchema } from "./room.js";
import { threadSummarySchema } from "./thread.js";

/** What every entry of a room's log carries. */
const entry = {
  roomId: idSchema,
  /** The room's sequence number: 1, 2, 3… with no gaps. The cursor for history and resume. */
  seq: z.number().int().positive(),
  at: timestampSchema,
  /** Who caused the change; null when the system did (an ownership hand-over). */
  actorId: idSchema.nullable(),
};

const reactionChange = {
  messageId: idSchema,
  emoji: reactionEmojiSchema,
  userId: idSchema,
  count: z.number().int().nonnegative(),
};

/**
 * One entry of a room's ordered log. Every change to a room is one of these, stored with
 * the change in one transaction and streamed live by `rooms.events`.
 */
export const roomEventSchema = z
  .discriminatedUnion("type", [
    z.object({ ...entry, type: z.literal("room.created"), room: roomSchema }),
    z.object({
      ...entry,
      type: z.literal("room.updated"),
      name: z.string(),
      open: z.boolean(),
      /** Events stored before slow mode existed read as 0. */
      slowModeSeconds: z.number().int().nonnegative().default(0),
    }),
    z.object({ ...entry, type: z.literal("room.deleted") }),
    z.object({ ...entry, type: z.literal("member.joined"), member: memberSchema }),
    z.object({ ...entry, type: z.literal("member.left"), userId: idSchema }),
    z.object({ ...entry, type: z.literal("member.kicked"), userId: idSchema }),
    z.object({ ...entry, type: z.literal("member.role_changed"), userId: idSchema, role: roomRoleSchema }),
    /** The member may read but not send until `until` (null: until an admin lifts it). */
    z.object({ ...entry, type: z.literal("member.muted"), userId: idSchema, until: timestampSchema.nullable() }),
    /** The member's mute ended: an admin lifted it, or it reached its `until` (then `actorId` is null). */
    z.object({ ...entry, type: z.literal("member.unmuted"), userId: idSchema }),
    z.object({ ...entry, type: z.literal("message.created"), message: messageSchema }),
    z.object({ ...entry, type: z.literal("message.edited"), message: messageSchema }),
    z.object({ ...entry, type: z.literal("message.deleted"), messageId: idSchema }),
    /** `count`: the emoji's reactions on the message after the change. */
    z.object({ ...entry, type: z.literal("reaction.added"), ...reactionChange }),
    z.object({ ...entry, type: z.literal("reaction.removed"), ...reactionChange }),
    /** A thread's summary after a reply was sent to it or deleted. */
    z.object({ ...entry, type: z.literal("thread.updated"), messageId: idSchema, thread: threadSummarySchema }),
    z.object({
      ...entry,
      type: z.literal("message.pinned"),
      messageId: idSchema,
      pinnedAt: timestampSchema,
      pinnedBy: idSchema,
    }),
    z.object({ ...entry, type: z.literal("message.unpinned"), messageId: idSchema }),
  ])
  .meta({ id: "RoomEvent" });
export type RoomEvent = z.infer<typeof roomEventSchema>;
export type RoomEventType = RoomEvent["type"];

/** A room event before the log gives it its place: what services hand to the log. */
export type RoomEventInput = RoomEvent extends infer E
  ? E extends RoomEvent
    ? Omit<E, "roomId" | "seq" | "at">
    : never
  : never;

/**
 * Watching a room: `lastEventId` is the `seq` of the last event the watcher holds (as a
 * string, the id `tracked()` gives each event). With it, every later event is replayed
 * before the stream goes live; without it, the stream starts live at the room's newest seq.
 */
export const roomEventsInputSchema = z.strictObject({
  roomId: idSchema,
  lastEventId: z
    .string()
    .regex(/^\d{1,15}$/, "must be the seq of an event")
    .optional(),
});

export const eventStreamTicketInputSchema = z.strictObject({ roomId: idSchema });

/**
 * A ticket to open the room's event stream once, as `GET /rooms/{roomId}/events?ticket=…`,
 * for clients (browsers' EventSource) that cannot send an Authorization header. It acts for
 * the session that asked for it, on this room only, and only until `expiresAt`.
 */
export const eventStreamTicketSchema = z
  .object({
    ticket: z.string(),
    roomId: idSchema,
    expiresAt: timestampSchema,
  })
  .meta({ id: "EventStreamTicket" });
export type EventStreamTicket = z.infer<typeof eventStreamTicketSchema>;

export const eventStreamTicketResultSchema = z.object({ ticket: eventStreamTicketSchema });
