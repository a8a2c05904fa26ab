import type { Database } from "@natter/db";
import {
  type AdminReportPage,
  type AdminReportsInput,
  type CreateReportInput,
  type MessageReport,
  NatterError,
  type ReportAction,
  type ReportPage,
  type ReportStatus,
  type ResolveReportResult,
} from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import type { Clock } from "../../clock/clock.js";
import { moderatableRoom, requireRoleOrServerAdmin } from "../access/room-access.js";
import { isServerAdmin } from "../access/server-admins.js";
import { recordActivity } from "../activity/activity-log.js";
import type { AdminService } from "../admin/admin-service.js";
import type { MessagesService } from "../messages/messages-service.js";
import type { RoomsService } from "../rooms/rooms-service.js";
import { createReport, loadReport, markResolved, reportPage, toAdminReport, toReport } from "./message-reports.js";

export interface ReportsServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  /** Deletes a reported message, as a room admin or a server admin would. */
  messages: Pick<MessagesService, "delete">;
  /** Mutes a reported message's author in its room. */
  rooms: Pick<RoomsService, "mute">;
  /** Bans a reported message's author (server admins only). */
  admin: Pick<AdminService, "ban">;
}

/**
 * Reports of messages and their review: readers report, a room's owner and admins see and
 * resolve their room's reports (without learning who reported), server admins every room's
 * (with the reporter). Resolving applies the chosen action through the ordinary paths (a
 * moderator's delete, a mute, a ban), so those keep their own rules and log entries, then
 * resolves every open report of the message and logs `report.resolved`.
 */
export class ReportsService {
  constructor(private readonly deps: ReportsServiceDeps) {}

  /** Reports a message the caller may read; once per message. */
  report(session: AuthSession, input: CreateReportInput): Promise<MessageReport> {
    return createReport(this.deps.db, session, input, this.deps.clock.now());
  }

  /** A room's reports of one status, for its owner and admins (and server admins). */
  async roomReports(
    session: AuthSession,
    roomId: string,
    page: { status: ReportStatus; limit: number; cursor?: string | undefined },
  ): Promise<ReportPage> {
    requireRoleOrServerAdmin(await moderatableRoom(this.deps.db, roomId, session), "admin");
    const { rows, nextCursor } = await reportPage(this.deps.db, roomId, page);
    return { reports: rows.map(toReport), nextCursor };
  }

  /** Every room's reports of one status, for server admins, with who reported. */
  async allReports(session: AuthSession, page: AdminReportsInput & { limit: number }): Promise<AdminReportPage> {
    await this.requireServerAdmin(session);
    const { rows, nextCursor } = await reportPage(this.deps.db, null, { ...page, status: page.status ?? "open" });
    return { reports: rows.map(toAdminReport), nextCursor };
  }

  /**
   * Resolves a report with `action`, as a moderator of its room (`roomId` given: the room's
   * path) or as a server admin (`roomId` null: the admin path, server admins only).
   */
  async resolve(
    session: AuthSession,
    roomId: string | null,
    reportId: string,
    action: ReportAction,
  ): Promise<ResolveReportResult> {
    const { db, clock } = this.deps;
    if (roomId === null) await this.requireServerAdmin(session);
    const before = await loadReport(db, reportId);
    // A report of another room is no report of this one: the same answer as a made-up id.
    if (roomId !== null && before.room_id !== roomId) throw new NatterError("REPORT_NOT_FOUND", "No such report");
    requireRoleOrServerAdmin(await moderatableRoom(db, before.room_id, session), "admin");
    if (before.status !== "open") throw new NatterError("CONFLICT", "The report has been resolved already");
    await this.apply(session, before, action);
    const now = clock.now();
    const resolved = await db.transaction().execute(async (trx) => {
      const ids = await markResolved(trx, before.message_id, action, session.userId, now);
      if (ids.length > 0) {
        await recordActivity(
          trx,
          {
            action: "report.resolved",
            actorId: session.userId,
            roomId: before.room_id,
            subjectId: before.author_id,
            detail: { reportId, messageId: before.message_id, action, reports: ids.length, reason: before.reason },
          },
          now,
        );
      }
      return ids;
    });
    const report = toReport(await loadReport(db, reportId));
    return { report, alsoResolved: Math.max(0, resolved.length - 1) };
  }

  /** Does what resolving with `action` means, through the path a moderator would take by hand. */
  private async apply(session: AuthSession, report: Parameters<typeof toReport>[0], action: ReportAction) {
    const author = report.author_username === null ? null : report.author_id;
    switch (action) {
      case "dismiss":
        return;
      case "delete-message":
        await this.deps.messages.delete(session, report.room_id, report.message_id);
        return;
      case "mute-author":
        if (author === null) throw new NatterError("CONFLICT", "The message's author has no account any more");
        await this.deps.rooms.mute(session, report.room_id, author, { reason: `reported message (${report.reason})` });
        return;
      case "ban-author":
        if (author === null) throw new NatterError("CONFLICT", "The message's author has no account any more");
        await this.deps.admin.ban(session, author);
        return;
    }
  }

  private async requireServerAdmin(session: AuthSession): Promise<void> {
    if (!(await isServerAdmin(this.deps.db, session.userId))) {
      throw new NatterError("FORBIDDEN", "Only server admins may do this");
    }
  }
}
