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
  readCursorSchema,
  sendMessageInputSchema,
  unreadInputSchema,
  unreadResultSchema,
} from "@natter/shared";
import type { Services } from "../services/services.js";
import { publicProcedure, router, userProcedure } from "../trpc/trpc.js";

const tags = ["messages"];

/**
 * A room's conversation: send, edit, delete, history pages, read cursors and unread counts.
 * Writes need a member (edits the author, deletes the author or an admin); history of an
 * open room is public, of a closed room for members only.
 */
export function createMessagesRouter({ messages }: Services) {
  return router({
    send: userProcedure
      .meta({
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN", "MUTED", "SLOW_MODE"],
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
            "`SLOW_MODE` with `Retry-After`. Owners and admins are exempt from slow mode.",
        },
        successStatus: 201,
      })
      .input(sendMessageInputSchema)
      .output(messageResultSchema)
      .mutation(async ({ ctx, input }) => ({ message: await messages.send(ctx.session, input.roomId, input) })),

    edit: userProcedure
      .meta({
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN", "MESSAGE_NOT_FOUND", "CONFLICT", "MUTED"],
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
        errors: ["ROOM_NOT_FOUND"],
        openapi: {
          method: "GET",
          path: "/rooms/{roomId}/messages",
          tags,
          summary: "A page of history",
          description:
            "Keyset pages by `seq`: `before` gives the newest messages below it, newest first; `after` the oldest " +
            "above it, oldest first; neither gives the newest page. `hasMore` says whether the next page in the " +
            "same direction holds more. Open rooms need no token; closed rooms answer members only.",
          protect: false,
        },
      })
      .input(messagePageInputSchema)
      .output(messagePageSchema)
      .query(({ ctx, input }) => messages.list(ctx.session, input.roomId, input)),

    markRead: userProcedure
      .meta({
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
        openapi: {
          method: "GET",
          path: "/me/unread",
          tags,
          summary: "Unread counts",
          description:
            "A page of the rooms the caller belongs to, each with its messages after the read cursor, written " +
            `by others and not deleted (counted up to ${LIMITS.unreadCountMax}), how many of those mention the caller ` +
            "(`mentions`), the cursor and the room's newest seq.",
        },
      })
      .input(unreadInputSchema)
      .output(unreadResultSchema)
      .query(({ ctx, input }) => messages.unread(ctx.session, input)),

    mentions: userProcedure
      .meta({
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
