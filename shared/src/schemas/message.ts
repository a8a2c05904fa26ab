import { z } from "zod";
import { LIMITS } from "../limits.js";
import { followingTextRule, idSchema, jsonBooleanSchema, timestampSchema } from "./common.js";
import { pageLimitSchema } from "./pagination.js";
import { reactionSchema } from "./reaction.js";
import { threadSummarySchema } from "./thread.js";
import { attachmentIdsSchema, attachmentSchema } from "./upload.js";

/** A message body: 1–4000 characters, not blank, following the text rule for bodies. */
export const messageBodySchema = followingTextRule(
  z
    .string()
    .max(LIMITS.messageBodyMax)
    .refine((body) => body.trim().length > 0, "must not be blank"),
  "body",
  `1 to ${LIMITS.messageBodyMax} characters, not blank.`,
);

/** A user a message mentions: resolved when it was sent or last edited, among those who can read the room. */
export const mentionSchema = z
  .object({
    userId: idSchema,
    /** The user's username as they spell it (the body may spell it in another case). */
    username: z.string(),
  })
  .meta({ id: "Mention" });
export type Mention = z.infer<typeof mentionSchema>;

/** A message; a deleted one keeps its place as a tombstone with a null body. */
export const messageSchema = z
  .object({
    id: idSchema,
    roomId: idSchema,
    /** The room's sequence number of the event that created the message. */
    seq: z.number().int().positive(),
    authorId: idSchema,
    body: z.string().nullable(),
    replyToId: idSchema.nullable(),
    createdAt: timestampSchema,
    editedAt: timestampSchema.nullable(),
    deletedAt: timestampSchema.nullable(),
    /** Images, in the order they were given; none once the message is deleted. Events stored before attachments existed read as none. */
    attachments: z.array(attachmentSchema).default([]),
    // Conversations (reactions, threads, pins): as of now, whenever the message is read or replayed.
    /** Reactions by emoji, in first-use order; none once the message is deleted. */
    reactions: z.array(reactionSchema).default([]),
    /** The thread root this message replies in; null for a message of the room itself. */
    threadId: idSchema.nullable().default(null),
    /** A thread reply sent `alsoInRoom`: shown in the room's history too (and live there). False for every other message. */
    alsoInRoom: z.boolean().default(false),
    /** The thread under this message; null until it has a reply. */
    thread: threadSummarySchema.nullable().default(null),
    pinnedAt: timestampSchema.nullable().default(null),
    pinnedBy: idSchema.nullable().default(null),
    /**
     * The users its `@username` tokens name who can read the room, in the order written; none
     * once deleted. Events stored before mentions existed read as none.
     */
    mentions: z.array(mentionSchema).default([]),
    /** Whether it says `@room` with the power to (its author is the room's owner or an admin): every member is mentioned. */
    mentionsRoom: z.boolean().default(false),
  })
  .meta({ id: "Message" });
export type Message = z.infer<typeof messageSchema>;

/** A room's sequence number used as a cursor: 0 means "before the first entry". */
export const seqCursorSchema = z.number().int().nonnegative();

/** A sender's own id for one message: retrying a send with it never creates a second message. */
export const clientMessageIdSchema = z.string().min(1).max(LIMITS.clientMessageIdMax);

export const sendMessageInputSchema = z.strictObject({
  roomId: idSchema,
  body: messageBodySchema,
  clientMessageId: clientMessageIdSchema.optional(),
  /** A message of the same room this one answers. */
  replyToId: idSchema.optional(),
  /** Uploads to attach: the sender's own, not attached to anything yet. */
  attachmentIds: attachmentIdsSchema.optional(),
  /** A top-level message of the same room: the message replies in its thread. */
  threadId: idSchema.optional(),
  /** With `threadId`: show the reply in the room's history too. */
  alsoInRoom: jsonBooleanSchema.optional(),
});
export type SendMessageInput = z.infer<typeof sendMessageInputSchema>;

export const editMessageInputSchema = z.strictObject({
  roomId: idSchema,
  messageId: idSchema,
  body: messageBodySchema,
  /** The attachments the message keeps and gains; those left out are deleted. Omitted: unchanged. */
  attachmentIds: attachmentIdsSchema.optional(),
});

export const messageRefInputSchema = z.strictObject({ roomId: idSchema, messageId: idSchema });

/**
 * A page of a room's messages by `seq`: with `before`, the newest messages below it, newest
 * first; with `after`, the oldest above it, oldest first; with neither, the newest page.
 */
export const messagePageInputSchema = z
  .strictObject({
    roomId: idSchema,
    before: seqCursorSchema.optional(),
    after: seqCursorSchema.optional(),
    limit: pageLimitSchema,
    /** `include`: thread replies too; by default only those sent with `alsoInRoom`. */
    threads: z.enum(["include", "exclude"]).default("exclude"),
  })
  .refine((input) => input.before === undefined || input.after === undefined, {
    message: "give before or after, not both",
    path: ["after"],
  });
export type MessagePageInput = z.infer<typeof messagePageInputSchema>;

/** A page of a thread's replies, by `seq` as room history. */
export const threadPageInputSchema = z
  .strictObject({
    roomId: idSchema,
    messageId: idSchema,
    before: seqCursorSchema.optional(),
    after: seqCursorSchema.optional(),
    limit: pageLimitSchema,
  })
  .refine((input) => input.before === undefined || input.after === undefined, {
    message: "give before or after, not both",
    path: ["after"],
  });
export type ThreadPageInput = z.infer<typeof threadPageInputSchema>;

export const messageResultSchema = z.object({ message: messageSchema });

/** A page of messages; `hasMore` says whether another page lies further in the same direction. */
export const messagePageSchema = z.object({ messages: z.array(messageSchema), hasMore: z.boolean() });
export type MessagePage = z.infer<typeof messagePageSchema>;

export const markReadInputSchema = z.strictObject({ roomId: idSchema, seq: seqCursorSchema });

export const readCursorSchema = z.object({
  /** The caller's read cursor after the call: a room `seq`, never beyond the room's last. */
  readSeq: z.number().int().nonnegative(),
});

/** The caller's unread state in one joined room. */
export const roomUnreadSchema = z
  .object({
    roomId: idSchema,
    /** Messages after `readSeq`, not by the caller, not deleted; stops at `LIMITS.unreadCountMax`. */
    unreadCount: z.number().int().nonnegative(),
    readSeq: z.number().int().nonnegative(),
    /** The room's newest `seq`. */
    lastSeq: z.number().int().nonnegative(),
    /** Of the unread messages, those that mention the caller (by name or `@room`); stops at `LIMITS.unreadCountMax`. */
    mentions: z.number().int().nonnegative(),
    /**
     * When the room's newest message was sent (deleted ones included; thread replies only when
     * also sent to the room); null before its first: the order of a room list by latest activity.
     */
    lastMessageAt: timestampSchema.nullable(),
  })
  .meta({ id: "RoomUnread" });
export type RoomUnread = z.infer<typeof roomUnreadSchema>;

/** A page of the caller's rooms with their unread counts, in a stable order. */
export const unreadInputSchema = z.strictObject({
  limit: pageLimitSchema,
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
});
export type UnreadInput = z.infer<typeof unreadInputSchema>;

export const unreadResultSchema = z.object({
  rooms: z.array(roomUnreadSchema),
  /** Where the next page starts; null on the last page. */
  nextCursor: z.string().nullable(),
  /**
   * The newest `seq` of the caller's inbox as these counts were read (in the same statement):
   * watch the inbox (`users.events`) after it to keep the counts live from this snapshot.
   */
  inboxSeq: z.number().int().nonnegative(),
});
export type UnreadPage = z.infer<typeof unreadResultSchema>;

/** A page of the messages that mention the caller, newest first. */
export const mentionsInputSchema = z.strictObject({
  limit: pageLimitSchema,
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
});
export type MentionsInput = z.infer<typeof mentionsInputSchema>;

export const mentionsPageSchema = z.object({
  messages: z.array(messageSchema),
  /** Where the next page starts; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type MentionsPage = z.infer<typeof mentionsPageSchema>;
