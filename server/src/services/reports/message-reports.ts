import { type Database, isUniqueViolation, uuidV7 } from "@natter/db";
import {
  type AdminMessageReport,
  type CreateReportInput,
  type MessageReport,
  NatterError,
  type ReportAction,
  type ReportReason,
  type ReportStatus,
} from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { toTimestamp } from "../../clock/clock.js";
import { readableRoom } from "../access/room-access.js";
import { findMessage } from "../message-rows/message-rows.js";
import { decodeCursor, encodeCursor } from "../paging/page-cursor.js";

/** Reports with their message as it is now, its author's name and the reporter's. */
function reportsQuery(db: Kysely<Database>) {
  return db
    .selectFrom("message_reports as r")
    .innerJoin("messages as m", "m.id", "r.message_id")
    .leftJoin("users as author", "author.id", "m.author_id")
    .leftJoin("users as reporter", "reporter.id", "r.reporter_id")
    .select([
      "r.id",
      "r.room_id",
      "r.message_id",
      "r.reporter_id",
      "r.reason",
      "r.note",
      "r.status",
      "r.action",
      "r.resolved_by",
      "r.resolved_at",
      "r.created_at",
      "m.author_id",
      "m.body",
      "m.created_at as message_created_at",
      "author.username as author_username",
      "reporter.username as reporter_username",
    ]);
}

/** One stored report with what its listings show. */
export type ReportRow = Awaited<ReturnType<ReturnType<typeof reportsQuery>["executeTakeFirstOrThrow"]>>;

/** A report as a room's admins see it: no reporter. */
export function toReport(row: ReportRow): MessageReport {
  return {
    id: row.id,
    messageId: row.message_id,
    roomId: row.room_id,
    reason: row.reason as ReportReason,
    note: row.note,
    createdAt: row.created_at,
    status: row.status,
    action: row.action as ReportAction | null,
    resolvedAt: row.resolved_at,
    message: {
      // A deleted account's messages keep its id until the account is gone for good.
      authorId: row.author_username === null ? null : row.author_id,
      authorUsername: row.author_username,
      body: row.body,
      createdAt: row.message_created_at,
    },
  };
}

/** A report as server admins see it: with its reporter and resolver. */
export function toAdminReport(row: ReportRow): AdminMessageReport {
  return {
    ...toReport(row),
    reporter:
      row.reporter_id === null || row.reporter_username === null
        ? null
        : { id: row.reporter_id, username: row.reporter_username },
    resolvedBy: row.resolved_by,
  };
}

/**
 * Stores a reader's report of a message: anyone who may read the room, once per message
 * (ALREADY_REPORTED after), never of their own message nor of a deleted one.
 */
export async function createReport(
  db: Kysely<Database>,
  session: AuthSession,
  input: CreateReportInput,
  now: number,
): Promise<MessageReport> {
  await readableRoom(db, input.roomId, session);
  const message = await findMessage(db, input.roomId, input.messageId);
  if (message.author_id === session.userId) throw new NatterError("FORBIDDEN", "You cannot report your own message");
  if (message.deleted_at !== null) throw new NatterError("CONFLICT", "The message has been deleted");
  const id = uuidV7(now);
  try {
    await db
      .insertInto("message_reports")
      .values({
        id,
        room_id: input.roomId,
        message_id: input.messageId,
        reporter_id: session.userId,
        reason: input.reason,
        note: input.note ? input.note : null,
        status: "open",
        action: null,
        resolved_by: null,
        resolved_at: null,
        created_at: toTimestamp(now),
      })
      .execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw new NatterError("ALREADY_REPORTED", "You have reported this message already");
    throw error;
  }
  return toReport(await loadReport(db, id));
}

/** A stored report by id; REPORT_NOT_FOUND when there is none. */
export async function loadReport(db: Kysely<Database>, reportId: string): Promise<ReportRow> {
  const row = await reportsQuery(db).where("r.id", "=", reportId).executeTakeFirst();
  if (!row) throw new NatterError("REPORT_NOT_FOUND", "No such report");
  return row;
}

/** A page of reports of one status, newest first, in one room or (roomId null) in every room. */
export async function reportPage(
  db: Kysely<Database>,
  roomId: string | null,
  { status, limit, cursor }: { status: ReportStatus; limit: number; cursor?: string | undefined },
): Promise<{ rows: ReportRow[]; nextCursor: string | null }> {
  let query = reportsQuery(db).where("r.status", "=", status);
  if (roomId !== null) query = query.where("r.room_id", "=", roomId);
  if (cursor !== undefined) query = query.where("r.id", "<", decodeCursor("reports", cursor));
  const rows = await query
    .orderBy("r.id", "desc")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > limit && last ? encodeCursor("reports", last.id) : null };
}

/**
 * Marks every open report of a message resolved with `action` by the caller; answers the ids
 * it resolved (none when another resolver was first).
 */
export async function markResolved(
  db: Kysely<Database>,
  messageId: string,
  action: ReportAction,
  resolverId: string,
  now: number,
): Promise<string[]> {
  const rows = await db
    .updateTable("message_reports")
    .set({ status: "resolved", action, resolved_by: resolverId, resolved_at: toTimestamp(now) })
    .where("message_id", "=", messageId)
    .where("status", "=", "open")
    .returning("id")
    .execute();
  return rows.map((row) => row.id);
}
