import {
  createRoomInputSchema,
  leaveRoomResultSchema,
  listMutesInputSchema,
  listRoomsInputSchema,
  memberInputSchema,
  memberPageInputSchema,
  memberPageSchema,
  memberResultSchema,
  mutePageSchema,
  muteResultSchema,
  putMemberInputSchema,
  putMuteInputSchema,
  removeMemberResultSchema,
  roomDeletedResultSchema,
  roomIdInputSchema,
  roomOwnerResultSchema,
  roomPageSchema,
  roomResultSchema,
  unmuteInputSchema,
  unmuteResultSchema,
  updateRoomInputSchema,
} from "@natter/shared";
import type { Services } from "../services/services.js";
import { publicProcedure, router, userProcedure } from "../trpc/trpc.js";

const tags = ["rooms"];

/**
 * Rooms and membership. Reads are public: open rooms are readable by anyone, closed ones
 * answer non-members exactly as a missing room does. Writes need a signed-in caller, and
 * the service checks the room role each needs.
 */
export function createRoomsRouter({ rooms }: Services) {
  return router({
    create: userProcedure
      .meta({
        scope: "rooms:write",
        errors: ["BLOCKED_TERM"],
        rateLimit: "roomCreate",
        openapi: {
          method: "POST",
          path: "/rooms",
          tags,
          summary: "Create a room",
          description:
            "The caller becomes the owner; `memberIds` (up to 100 other users) join at once. Without a name, " +
            'the room is named after its members ("alice, bob, carol +2") or its creator ("Room by alice").',
        },
        successStatus: 201,
      })
      .input(createRoomInputSchema)
      .output(roomResultSchema)
      .mutation(async ({ ctx, input }) => ({ room: await rooms.create(ctx.session, input) })),

    list: publicProcedure
      .meta({
        scope: "rooms:read",
        openapi: {
          method: "GET",
          path: "/rooms",
          tags,
          summary: "List rooms",
          description:
            "`scope=joined` (the default, signed in only): the caller's rooms. `scope=all`: every room the caller " +
            "may see, open rooms and the caller's. Newest first; pass `nextCursor` as `cursor` for the next page.",
          protect: false,
        },
      })
      .input(listRoomsInputSchema)
      .output(roomPageSchema)
      .query(({ ctx, input }) => rooms.list(ctx.session, input)),

    get: publicProcedure
      .meta({
        scope: "rooms:read",
        errors: ["ROOM_NOT_FOUND"],
        openapi: {
          method: "GET",
          path: "/rooms/{roomId}",
          tags,
          summary: "A room",
          description: "Open rooms answer anyone; a closed room answers its members and is 404 to everyone else.",
          protect: false,
        },
      })
      .input(roomIdInputSchema)
      .output(roomResultSchema)
      .query(async ({ ctx, input }) => ({ room: await rooms.get(ctx.session, input.roomId) })),

    update: userProcedure
      .meta({
        scope: "rooms:write",
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN", "BLOCKED_TERM", "DIRECT_ROOM"],
        openapi: {
          method: "PATCH",
          path: "/rooms/{roomId}",
          tags,
          summary: "Rename, open or close a room, or set its slow mode",
          description:
            "Any member may rename the room; opening or closing it, and setting `slowModeSeconds` (0 to 3600, " +
            "0 turns slow mode off: members then wait that long between two messages), take an admin.",
        },
      })
      .input(updateRoomInputSchema)
      .output(roomResultSchema)
      .mutation(async ({ ctx, input: { roomId, ...changes } }) => ({
        room: await rooms.update(ctx.session, roomId, changes),
      })),

    delete: userProcedure
      .meta({
        scope: "rooms:write",
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN"],
        openapi: {
          method: "DELETE",
          path: "/rooms/{roomId}",
          tags,
          summary: "Delete a room",
          description:
            "The owner, or a server admin for any room (moderation, kept in the activity log). Members, messages " +
            "and the room's log go with it.",
        },
      })
      .input(roomIdInputSchema)
      .output(roomDeletedResultSchema)
      .mutation(async ({ ctx, input }) => {
        await rooms.delete(ctx.session, input.roomId);
        return { roomId: input.roomId, deleted: true as const };
      }),

    join: userProcedure
      .meta({
        scope: "rooms:write",
        errors: ["ROOM_NOT_FOUND", "DIRECT_ROOM"],
        openapi: {
          method: "POST",
          path: "/rooms/{roomId}/join",
          tags,
          summary: "Join an open room",
          description: "Idempotent: joining a room one is in already changes nothing.",
        },
      })
      .input(roomIdInputSchema)
      .output(roomResultSchema)
      .mutation(async ({ ctx, input }) => ({ room: await rooms.join(ctx.session, input.roomId) })),

    leave: userProcedure
      .meta({
        scope: "rooms:write",
        errors: ["ROOM_NOT_FOUND", "MEMBER_NOT_FOUND", "DIRECT_ROOM"],
        openapi: {
          method: "POST",
          path: "/rooms/{roomId}/leave",
          tags,
          summary: "Leave a room",
          description:
            "The owner's leaving hands ownership to the longest-standing admin, else member. The last member's " +
            "leaving deletes the room (`deleted: true`).",
        },
      })
      .input(roomIdInputSchema)
      .output(leaveRoomResultSchema)
      .mutation(({ ctx, input }) => rooms.leave(ctx.session, input.roomId)),

    members: publicProcedure
      .meta({
        scope: "rooms:read",
        errors: ["ROOM_NOT_FOUND"],
        openapi: {
          method: "GET",
          path: "/rooms/{roomId}/members",
          tags,
          summary: "A room's members",
          description: "In joining order (then by user id). `index` is the position of the first one returned.",
          protect: false,
        },
      })
      .input(memberPageInputSchema)
      .output(memberPageSchema)
      .query(({ ctx, input: { roomId, ...page } }) => rooms.members(ctx.session, roomId, page)),

    member: publicProcedure
      .meta({
        scope: "rooms:read",
        errors: ["ROOM_NOT_FOUND", "MEMBER_NOT_FOUND"],
        openapi: {
          method: "GET",
          path: "/rooms/{roomId}/members/{userId}",
          tags,
          summary: "A member of a room",
          description: "One member and their role; 404 MEMBER_NOT_FOUND when the user is not in the room.",
          protect: false,
        },
      })
      .input(memberInputSchema)
      .output(memberResultSchema)
      .query(async ({ ctx, input }) => ({ member: await rooms.member(ctx.session, input.roomId, input.userId) })),

    admins: publicProcedure
      .meta({
        scope: "rooms:read",
        errors: ["ROOM_NOT_FOUND"],
        openapi: {
          method: "GET",
          path: "/rooms/{roomId}/admins",
          tags,
          summary: "A room's owner and admins",
          description: "In joining order (then by user id), like the members.",
          protect: false,
        },
      })
      .input(memberPageInputSchema)
      .output(memberPageSchema)
      .query(({ ctx, input: { roomId, ...page } }) => rooms.members(ctx.session, roomId, page, "admins")),

    owner: publicProcedure
      .meta({
        scope: "rooms:read",
        errors: ["ROOM_NOT_FOUND"],
        openapi: {
          method: "GET",
          path: "/rooms/{roomId}/owner",
          tags,
          summary: "A room's owner",
          description: "The member who owns the room; the same access rules as the room.",
          protect: false,
        },
      })
      .input(roomIdInputSchema)
      .output(roomOwnerResultSchema)
      .query(async ({ ctx, input }) => ({ owner: await rooms.owner(ctx.session, input.roomId) })),

    putMember: userProcedure
      .meta({
        scope: "rooms:write",
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN", "USER_NOT_FOUND", "CONFLICT", "DIRECT_ROOM"],
        openapi: {
          method: "PUT",
          path: "/rooms/{roomId}/members/{userId}",
          tags,
          summary: "Add a member or change a role",
          description:
            "Admins and the owner add users (as members). Only the owner sets roles; giving the `owner` role " +
            "hands ownership over and makes the old owner an admin.",
        },
      })
      .input(putMemberInputSchema)
      .output(memberResultSchema)
      .mutation(async ({ ctx, input }) => ({
        member: await rooms.putMember(ctx.session, input.roomId, input.userId, input.role),
      })),

    removeMember: userProcedure
      .meta({
        scope: "rooms:write",
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN", "MEMBER_NOT_FOUND", "DIRECT_ROOM"],
        openapi: {
          method: "DELETE",
          path: "/rooms/{roomId}/members/{userId}",
          tags,
          summary: "Kick a member, or leave",
          description:
            "Admins and the owner kick members; only the owner kicks admins; nobody kicks the owner. " +
            "One's own id means leaving.",
        },
      })
      .input(memberInputSchema)
      .output(removeMemberResultSchema)
      .mutation(({ ctx, input }) => rooms.removeMember(ctx.session, input.roomId, input.userId)),

    mute: userProcedure
      .meta({
        scope: "rooms:write",
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN", "MEMBER_NOT_FOUND", "DIRECT_ROOM"],
        openapi: {
          method: "PUT",
          path: "/rooms/{roomId}/mutes/{userId}",
          tags,
          summary: "Mute a member",
          description:
            "Admins mute members; the owner mutes admins too; nobody mutes an equal or higher role. A muted member " +
            "still reads the room but may not send or edit (403 `MUTED`, with `until`) until `until` passes, or " +
            "until lifted when it is omitted. Muting again replaces the mute. Logs `member.muted`; the `reason` " +
            "is for the room's admins and is not in the room's log. The mute outlives leaving and joining again.",
        },
      })
      .input(putMuteInputSchema)
      .output(muteResultSchema)
      .mutation(async ({ ctx, input: { roomId, userId, ...mute } }) => ({
        mute: await rooms.mute(ctx.session, roomId, userId, mute),
      })),

    unmute: userProcedure
      .meta({
        scope: "rooms:write",
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN", "DIRECT_ROOM"],
        openapi: {
          method: "DELETE",
          path: "/rooms/{roomId}/mutes/{userId}",
          tags,
          summary: "Lift a member's mute",
          description:
            "As muting: admins for members, the owner for admins too. `unmuted` says whether a mute was in force; " +
            "lifting one logs `member.unmuted`. Idempotent.",
        },
      })
      .input(unmuteInputSchema)
      .output(unmuteResultSchema)
      .mutation(async ({ ctx, input }) => ({
        roomId: input.roomId,
        userId: input.userId,
        unmuted: await rooms.unmute(ctx.session, input.roomId, input.userId),
      })),

    mutes: userProcedure
      .meta({
        scope: "rooms:read",
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN"],
        openapi: {
          method: "GET",
          path: "/rooms/{roomId}/mutes",
          tags,
          summary: "A room's muted members",
          description:
            "The mutes in force (ended ones are left out), by user id; admins and the owner only. Pass `nextCursor` " +
            "as `cursor` for the next page.",
        },
      })
      .input(listMutesInputSchema)
      .output(mutePageSchema)
      .query(({ ctx, input: { roomId, ...page } }) => rooms.mutes(ctx.session, roomId, page)),
  });
}
