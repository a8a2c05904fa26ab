import {
  adminReportPageSchema,
  adminReportsInputSchema,
  createReportInputSchema,
  createReportResultSchema,
  reportPageSchema,
  resolveReportInputSchema,
  resolveReportResultSchema,
  resolveRoomReportInputSchema,
  roomReportsInputSchema,
} from "@natter/shared";
import type { Services } from "../services/services.js";
import { adminProcedure, router, userProcedure } from "../trpc/trpc.js";

const tags = ["moderation"];

const RESOLVE_DESCRIPTION =
  "`action`: `dismiss` (nothing more), `delete-message` (as a moderator's delete), `mute-author` (in the " +
  "message's room, until lifted: the rules of muting hold, so a room admin mutes members only) or `ban-author` " +
  "(server admins only). The action is applied first, then every open report of the message is resolved with it " +
  "(`alsoResolved` counts the others) and the activity log records `report.resolved` with who did it. 409 " +
  "`CONFLICT` when the report is resolved already or the author's account is gone.";

/**
 * Reports of messages: readers report, a room's owner and admins review their room's reports,
 * server admins every room's. Who reported is shown to server admins only.
 */
export function createReportsRouter({ reports }: Services) {
  return router({
    create: userProcedure
      .meta({
        errors: ["ROOM_NOT_FOUND", "MESSAGE_NOT_FOUND", "FORBIDDEN", "CONFLICT", "ALREADY_REPORTED"],
        rateLimit: "messageSend",
        openapi: {
          method: "POST",
          path: "/rooms/{roomId}/messages/{messageId}/reports",
          tags,
          summary: "Report a message",
          description:
            "Anyone who may read the room reports a message to its moderators: `reason` is `spam`, `abuse` or " +
            "`other`, with an optional `note`. Once per user and message (409 `ALREADY_REPORTED` after); not one's " +
            "own message (403), not a deleted one (409 `CONFLICT`). The room's admins see the report without the " +
            "reporter's name; server admins see who reported. Counts against the sending rate.",
        },
        successStatus: 201,
      })
      .input(createReportInputSchema)
      .output(createReportResultSchema)
      .mutation(async ({ ctx, input }) => {
        const { id, messageId, roomId, reason, note, createdAt, status } = await reports.report(ctx.session, input);
        return { report: { id, messageId, roomId, reason, note, createdAt, status } };
      }),

    forRoom: userProcedure
      .meta({
        errors: ["ROOM_NOT_FOUND", "FORBIDDEN"],
        openapi: {
          method: "GET",
          path: "/rooms/{roomId}/reports",
          tags,
          summary: "A room's reports",
          description:
            "The room's reports of `status` (`open` by default), newest first, for its owner and admins (and server " +
            "admins): each with the message as it is now, never with who reported it. Pass `nextCursor` as " +
            "`cursor` for the next page.",
        },
      })
      .input(roomReportsInputSchema)
      .output(reportPageSchema)
      .query(({ ctx, input: { roomId, ...page } }) => reports.roomReports(ctx.session, roomId, page)),

    resolveInRoom: userProcedure
      .meta({
        errors: ["ROOM_NOT_FOUND", "REPORT_NOT_FOUND", "FORBIDDEN", "CONFLICT", "MEMBER_NOT_FOUND", "DIRECT_ROOM"],
        rateLimit: "adminWrite",
        openapi: {
          method: "POST",
          path: "/rooms/{roomId}/reports/{reportId}/resolve",
          tags,
          summary: "Resolve a room's report",
          description: `For the room's owner and admins, and server admins. ${RESOLVE_DESCRIPTION}`,
        },
      })
      .input(resolveRoomReportInputSchema)
      .output(resolveReportResultSchema)
      .mutation(({ ctx, input }) => reports.resolve(ctx.session, input.roomId, input.reportId, input.action)),

    list: adminProcedure
      .meta({
        openapi: {
          method: "GET",
          path: "/admin/reports",
          tags,
          summary: "Every room's reports",
          description:
            "Reports of `status` (`open` by default) in every room, newest first, with who reported each and who " +
            "resolved it. Server admins only. Pass `nextCursor` as `cursor` for the next page.",
        },
      })
      .input(adminReportsInputSchema)
      .output(adminReportPageSchema)
      .query(({ ctx, input }) => reports.allReports(ctx.session, input)),

    resolve: adminProcedure
      .meta({
        errors: ["REPORT_NOT_FOUND", "CONFLICT", "MEMBER_NOT_FOUND", "DIRECT_ROOM"],
        rateLimit: "adminWrite",
        openapi: {
          method: "POST",
          path: "/admin/reports/{reportId}/resolve",
          tags,
          summary: "Resolve a report",
          description: `Server admins only, in any room. ${RESOLVE_DESCRIPTION}`,
        },
      })
      .input(resolveReportInputSchema)
      .output(resolveReportResultSchema)
      .mutation(({ ctx, input }) => reports.resolve(ctx.session, null, input.reportId, input.action)),
  });
}
