import { z } from "zod";
import { LIMITS } from "../limits.js";
import { followingTextRule, idSchema, timestampSchema } from "./common.js";
import { pageLimitSchema } from "./pagination.js";

/** Why a reader reports a message. */
export const REPORT_REASONS = ["spam", "abuse", "other"] as const;
export const reportReasonSchema = z.enum(REPORT_REASONS);
export type ReportReason = z.infer<typeof reportReasonSchema>;

/** Whether a report still waits for someone to look at it. */
export const REPORT_STATUSES = ["open", "resolved"] as const;
export const reportStatusSchema = z.enum(REPORT_STATUSES);
export type ReportStatus = z.infer<typeof reportStatusSchema>;

/**
 * What resolving a report does: nothing more (`dismiss`), delete the message, mute its author
 * in the room until lifted, or ban its author from the server (server admins only).
 */
export const REPORT_ACTIONS = ["dismiss", "delete-message", "mute-author", "ban-author"] as const;
export const reportActionSchema = z.enum(REPORT_ACTIONS);
export type ReportAction = z.infer<typeof reportActionSchema>;

/** A reporter's words for the moderators. */
export const reportNoteSchema = followingTextRule(
  z.string().trim().max(LIMITS.reportNoteMax),
  "body",
  `Up to ${LIMITS.reportNoteMax} characters.`,
);

/**
 * A report of a message as a room's owner and admins see it: who reported it is not shown
 * (server admins see it, in `AdminMessageReport`). `message` is the message as it is now
 * (its body null once deleted).
 */
export const messageReportSchema = z
  .object({
    id: idSchema,
    messageId: idSchema,
    roomId: idSchema,
    reason: reportReasonSchema,
    note: z.string().nullable(),
    createdAt: timestampSchema,
    status: reportStatusSchema,
    /** What resolving it did; null while open. */
    action: reportActionSchema.nullable(),
    resolvedAt: timestampSchema.nullable(),
    /** The reported message now: its author (null once the account is gone) and body (null once deleted). */
    message: z.object({
      authorId: idSchema.nullable(),
      authorUsername: z.string().nullable(),
      body: z.string().nullable(),
      createdAt: timestampSchema,
    }),
  })
  .meta({ id: "MessageReport" });
export type MessageReport = z.infer<typeof messageReportSchema>;

/** A report as server admins see it: with who reported it and who resolved it. */
export const adminMessageReportSchema = messageReportSchema
  .extend({
    /** The reporter; null once their account is gone. */
    reporter: z.object({ id: idSchema, username: z.string() }).nullable(),
    /** Who resolved it; null while open or once that account is gone. */
    resolvedBy: idSchema.nullable(),
  })
  .meta({ id: "AdminMessageReport" });
export type AdminMessageReport = z.infer<typeof adminMessageReportSchema>;

export const createReportInputSchema = z.strictObject({
  roomId: idSchema,
  messageId: idSchema,
  reason: reportReasonSchema,
  note: reportNoteSchema.optional(),
});
export type CreateReportInput = z.infer<typeof createReportInputSchema>;

/** What the reporter gets back: their report, without anything about others' reports. */
export const createReportResultSchema = z.object({
  report: z.object({
    id: idSchema,
    messageId: idSchema,
    roomId: idSchema,
    reason: reportReasonSchema,
    note: z.string().nullable(),
    createdAt: timestampSchema,
    status: reportStatusSchema,
  }),
});

const reportPageFields = {
  /** Open reports by default. */
  status: reportStatusSchema.default("open"),
  limit: pageLimitSchema,
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
};

export const roomReportsInputSchema = z.strictObject({ roomId: idSchema, ...reportPageFields });
export type RoomReportsInput = z.input<typeof roomReportsInputSchema>;

export const adminReportsInputSchema = z.strictObject(reportPageFields);
export type AdminReportsInput = z.input<typeof adminReportsInputSchema>;

/** A room's reports, newest first; `nextCursor` is null on the last page. */
export const reportPageSchema = z.object({ reports: z.array(messageReportSchema), nextCursor: z.string().nullable() });
export type ReportPage = z.infer<typeof reportPageSchema>;

/** Every room's reports for server admins, newest first. */
export const adminReportPageSchema = z.object({
  reports: z.array(adminMessageReportSchema),
  nextCursor: z.string().nullable(),
});
export type AdminReportPage = z.infer<typeof adminReportPageSchema>;

export const resolveRoomReportInputSchema = z.strictObject({
  roomId: idSchema,
  reportId: idSchema,
  action: reportActionSchema,
});

export const resolveReportInputSchema = z.strictObject({ reportId: idSchema, action: reportActionSchema });
export type ResolveReportInput = z.infer<typeof resolveReportInputSchema>;

/** A resolved report, and how many other open reports of the same message it resolved with it. */
export const resolveReportResultSchema = z.object({
  report: messageReportSchema,
  /** Other open reports of the same message, resolved by the same decision. */
  alsoResolved: z.number().int().min(0),
});
export type ResolveReportResult = z.infer<typeof resolveReportResultSchema>;
