import {
  editMessageInputSchema,
  LIMITS,
  markReadInputSchema,
  mentionsInputSchema,
  mentionsPageSchema,
  messagePageInputSchema,
  messagePageSchema,
  messageRefInputSchema,
  messageResultSchema,
  myThreadsInputSchema,
  myThreadsResultSchema,
  readCursorSchema,
  sendMessageInputSchema,
  threadPageInputSchema,
  unreadInputSchema,
  unreadResultSchema,
} from "@natter/shared";
import type { Services } from "../services/services.js";
import { builtOutput } from "../trpc/built-output.js";
import { messageResult } from "../trpc/message-result.js";
import { publicProcedure, router, userProcedure } from "../trpc/trpc.js";

const tags = ["messages"];

/**
 * A room's conversation: send, edit, delete, history pages, read cursors and unread counts.
 * Writes need a member (edits the author, deletes the author or an admin); history of an
 * open room is public, of a closed room for members only.
 */
export function createMessagesRouter({ messages, threads }: Services) {
  return router({
    send: userProcedure
      .meta({
        scope: "messages:write",
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN", "CONFLICT", "MUTED", "SLOW_MODE", "BLOCKED_TERM", "BLOCKED"],
        rateLimit: "messageSend",
        openapi: {
          method: "POST",
          path: "/rooms/{roomId}/messages",
          tags,
          summary: "Send a message",
          description:
            "Members only. Give a `clientMessageId` to retry safely: a retry by the same author in the same room " +
            "answers the original message and creates nothing. A muted member gets 403 `MUTED` (with `until`); in " +
            "slow mode (`slowModeSeconds` of the room) a member who sent less than that long ago gets 429 " +
            "`SLOW_MODE` with `Retry-After`. Owners and admins are exempt from slow mode. With `threadId` (a " +
            "top-level message of the room) " +
            "the message replies in that message's thread, and shows in the room's history only with " +
            "`alsoInRoom: true`; a deleted message's thread takes no new replies (409 CONFLICT).",
        },
        successStatus: 201,
      })
      .input(sendMessageInputSchema)
      // Built field by field by `sendMessage` (a retry's original by `toMessage`), held to the
      // schema by messages.test: zod's check copied every sent message (bench:fanout, issue 25).
      .output(builtOutput(messageResultSchema))
      // Answered with the message's JSON from its stored event where known (`messageResult`).
      .mutation(async ({ ctx, input }) => messageResult(await messages.send(ctx.session, input.roomId, input))),

    edit: userProcedure
      .meta({
        scope: "messages:write",
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN", "MESSAGE_NOT_FOUND", "CONFLICT", "MUTED", "BLOCKED_TERM"],
        openapi: {
          method: "PATCH",
          path: "/rooms/{roomId}/messages/{messageId}",
          tags,
          summary: "Edit a message",
          description:
            "The author only. A deleted message cannot be edited (409 CONFLICT), nor any by a muted member (403 MUTED).",
        },
      })
      .input(editMessageInputSchema)
      .output(messageResultSchema)
      .mutation(async ({ ctx, input }) => ({
        message: await messages.edit(ctx.session, input.roomId, input.messageId, input.body, input.attachmentIds),
      })),

    delete: userProcedure
      .meta({
        scope: "messages:write",
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN", "MESSAGE_NOT_FOUND"],
        openapi: {
          method: "DELETE",
          path: "/rooms/{roomId}/messages/{messageId}",
          tags,
          summary: "Delete a message",
          description:
            "The author, or an admin or the owner, or a server admin in any room (moderation, kept in the " +
            "activity log). Answers the tombstone: the message keeps its place with a null body. Idempotent.",
        },
      })
      .input(messageRefInputSchema)
      .output(messageResultSchema)
      .mutation(async ({ ctx, input }) => ({
        message: await messages.delete(ctx.session, input.roomId, input.messageId),
      })),

    list: publicProcedure
      .meta({
        scope: "messages:read",
        errors: ["ROOM_NOT_FOUND"],
        openapi: {
          method: "GET",
          path: "/rooms/{roomId}/messages",
          tags,
          summary: "A page of history",
          description:
            "Keyset pages by `seq`: `before` gives the newest messages below it, newest first; `after` the oldest " +
            "above it, oldest first; neither gives the newest page. `hasMore` says whether the next page in the " +
            "same direction holds more. Thread replies are left out unless sent with `alsoInRoom` " +
            "(`threads=include` gives them all). Open rooms need no token; closed rooms answer members only.",
          protect: false,
        },
      })
      .input(messagePageInputSchema)
      .output(builtOutput(messagePageSchema))
      .query(({ ctx, input }) => messages.list(ctx.session, input.roomId, input)),

    get: publicProcedure
      .meta({
        scope: "messages:read",
        errors: ["ROOM_NOT_FOUND", "MESSAGE_NOT_FOUND"],
        openapi: {
          method: "GET",
          path: "/rooms/{roomId}/messages/{messageId}",
          tags,
          summary: "One message",
          description: "As history shows it (a deleted message is a tombstone). Readable as the room's history is.",
          protect: false,
        },
      })
      .input(messageRefInputSchema)
      .output(messageResultSchema)
      .query(async ({ ctx, input }) => ({
        message: await messages.get(ctx.session, input.roomId, input.messageId),
      })),

    thread: publicProcedure
      .meta({
        scope: "messages:read",
        errors: ["ROOM_NOT_FOUND", "MESSAGE_NOT_FOUND"],
        openapi: {
          method: "GET",
          path: "/rooms/{roomId}/messages/{messageId}/thread",
          tags,
          summary: "A page of a thread",
          description:
            "The replies in the thread under a message, with the same keyset cursors as history (`before`, " +
            "`after`, `limit`). A deleted first message keeps its thread readable. Readable as the room's history is.",
          protect: false,
        },
      })
      .input(threadPageInputSchema)
      .output(builtOutput(messagePageSchema))
      .query(({ ctx, input }) => messages.thread(ctx.session, input.roomId, input.messageId, input)),

    myThreads: userProcedure
      .meta({
        scope: "messages:read",
        openapi: {
          method: "GET",
          path: "/me/threads",
          tags,
          summary: "Your threads",
          description:
            "The threads you started or replied in, in rooms you belong to, newest activity first, each with the " +
            "replies by others you have not read (after your room read cursor and your own last reply).",
        },
      })
      .input(myThreadsInputSchema)
      .output(myThreadsResultSchema)
      .query(({ ctx, input }) => threads.mine(ctx.session, input)),

    markRead: userProcedure
      .meta({
        scope: "messages:write",
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN"],
        openapi: {
          method: "POST",
          path: "/rooms/{roomId}/read",
          tags,
          summary: "Move the read cursor",
          description:
            "Members only. The cursor only moves forward; a `seq` past the room's newest counts as the newest. " +
            "Answers where the cursor now stands.",
        },
      })
      .input(markReadInputSchema)
      .output(readCursorSchema)
      .mutation(async ({ ctx, input }) => ({
        readSeq: await messages.markRead(ctx.session, input.roomId, input.seq),
      })),

    unread: userProcedure
      .meta({
        scope: "messages:read",
        openapi: {
          method: "GET",
          path: "/me/unread",
          tags,
          summary: "Unread counts",
          description:
            "A page of the rooms the caller belongs to, each with its messages after the read cursor, written " +
            `by others and not deleted (counted up to ${LIMITS.unreadCountMax}), how many of those mention the caller ` +
            "(`mentions`), the cursor and the room's newest seq; and `inboxSeq`, the newest seq of the caller's " +
            "inbox as the counts were read: watch `GET /me/events` (or `users.events`) after it to keep them live.",
        },
      })
      .input(unreadInputSchema)
      .output(unreadResultSchema)
      .query(({ ctx, input }) => messages.unread(ctx.session, input)),

    mentions: userProcedure
      .meta({
        scope: "messages:read",
        openapi: {
          method: "GET",
          path: "/me/mentions",
          tags,
          summary: "Messages that mention me",
          description:
            "The messages that mention the caller by name or with `@room`, in rooms the caller can still read, " +
            "newest first, keyset paged (`nextCursor`). Deleted messages and the caller's own drop out.",
        },
      })
      .input(mentionsInputSchema)
      .output(mentionsPageSchema)
      .query(({ ctx, input }) => messages.mentions(ctx.session, input)),
  });
}
