import { z } from "zod";
import { idSchema, timestampSchema } from "./common.js";

/** Characters of a message body an inbox summary carries. */
export const INBOX_PREVIEW_MAX = 140;

/** What every entry of a user's inbox carries. */
const entry = {
  /** The user's own sequence number: 1, 2, 3… with no gaps. The cursor for resume. */
  seq: z.number().int().positive(),
  at: timestampSchema,
  /** The room the entry is about. */
  roomId: idSchema,
};

/** Who wrote a message, as an inbox summary names them. */
export const inboxAuthorSchema = z.object({ userId: idSchema, username: z.string() }).meta({ id: "InboxAuthor" });

const messageSummary = {
  messageId: idSchema,
  author: inboxAuthorSchema,
  /** The first 140 characters of the body as written (formatting marks included). */
  preview: z.string().max(INBOX_PREVIEW_MAX),
  /** Whether the message mentions this user (by name, or `@room`). */
  mentioned: z.boolean(),
};

/**
 * One entry of the signed-in user's inbox: what happened in any of their rooms that concerns
 * them, each with the user's own `seq`. A `message.created` written by someone else adds one
 * to that room's unread count (and to its mentions when `mentioned`); `unread.changed` gives a
 * room's counts whenever they change otherwise (the user read, or a message they had unread was
 * deleted); it is not sent for a new message,
 * which would cost a second inbox row per member per message for a number the client derives.
 */
export const inboxEventSchema = z
  .discriminatedUnion("type", [
    /** A message in a room the user is a member of (thread replies only when also sent to the room). */
    z.object({ ...entry, type: z.literal("message.created"), ...messageSummary }),
    /** A message that mentions the user, by someone they have not blocked (besides its `message.created`). */
    z.object({ ...entry, type: z.literal("mention"), ...messageSummary }),
    /** The room's unread counts for the user, as they now stand (each at most `LIMITS.unreadCountMax`). */
    z.object({
      ...entry,
      type: z.literal("unread.changed"),
      unread: z.number().int().nonnegative(),
      mentions: z.number().int().nonnegative(),
    }),
    /** The user became a member of a room (joined, or was added). */
    z.object({ ...entry, type: z.literal("room.added") }),
    /**
     * A room of the user's had its settings changed (renamed, opened or closed, slow mode): the
     * room as it now is, as the room's own `room.updated` gives it, so that a room list shows
     * rooms that are not being watched by their current names.
     */
    z.object({
      ...entry,
      type: z.literal("room.updated"),
      name: z.string(),
      open: z.boolean(),
      slowModeSeconds: z.number().int().nonnegative(),
    }),
    /** The user is no longer a member (left, was kicked, or the room was deleted). */
    z.object({
      ...entry,
      type: z.literal("room.removed"),
      reason: z.enum(["left", "kicked", "deleted"]),
    }),
    /** A direct room with `userId` was opened (by either of the two). */
    z.object({ ...entry, type: z.literal("dm.created"), userId: idSchema }),
  ])
  .meta({ id: "InboxEvent" });
export type InboxEvent = z.infer<typeof inboxEventSchema>;
export type InboxEventType = InboxEvent["type"];

/** An inbox entry before the user's log gives it its place. */
export type InboxEventInput = InboxEvent extends infer E
  ? E extends InboxEvent
    ? Omit<E, "seq" | "at">
    : never
  : never;

/**
 * Watching one's inbox: `lastEventId` is the `seq` of the last entry held. With it, every
 * later entry is replayed before the stream goes live (or RESYNC_REQUIRED, when the log no
 * longer reaches back that far); without it, the stream starts live at the newest entry.
 */
export const inboxEventsInputSchema = z.strictObject({
  lastEventId: z
    .string()
    .regex(/^\d{1,15}$/, "must be the seq of an event")
    .optional(),
});
export type InboxEventsInput = z.infer<typeof inboxEventsInputSchema>;

/** A ticket to open `GET /me/events?ticket=…` once (browsers' EventSource). */
export const inboxStreamTicketSchema = z
  .object({ ticket: z.string(), expiresAt: timestampSchema })
  .meta({ id: "InboxStreamTicket" });
export type InboxStreamTicket = z.infer<typeof inboxStreamTicketSchema>;

export const inboxStreamTicketResultSchema = z.object({ ticket: inboxStreamTicketSchema });
