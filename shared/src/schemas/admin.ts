import { z } from "zod";
import { idSchema, timestampSchema } from "./common.js";
import { pageLimitSchema } from "./pagination.js";
import { passwordSchema, usernameSchema, userSchema } from "./user.js";

const count = z.number().int().nonnegative();

/** One hour of the messages-per-hour series: the hour's start, and messages sent in it that are still there (not deleted). */
export const hourlyCountSchema = z.object({ hour: timestampSchema, count }).meta({ id: "HourlyCount" });

/**
 * `GET /admin/stats`: the server at a glance. Totals are counters kept in the writing
 * transactions; the 24-hour figures are indexed range counts; the live ones come from the
 * transports. No figure costs a scan of a table.
 */
export const adminStatsSchema = z
  .object({
    /** When these figures were read. */
    generatedAt: timestampSchema,
    users: z.object({
      total: count,
      /** Server admins. */
      admins: count,
      banned: count,
      /** Users whose sessions were used in the last 24 hours. */
      active24h: count,
    }),
    rooms: z.object({ total: count, open: count, closed: count }),
    messages: z.object({
      /** Messages stored and not deleted. */
      total: count,
      /**
       * Messages sent in the last 24 hours and still there (the sum of `perHour`): like `total`,
       * it leaves out deleted messages, so it is never more than `total`.
       */
      last24h: count,
      /** 24 buckets, oldest first; the last is the current hour so far. */
      perHour: z.array(hourlyCountSchema).length(24),
    }),
    uploads: z.object({
      /** Uploads (one per file a user sent, deduplicated or not). */
      count,
      /** Bytes in storage: each distinct content once. */
      storedBytes: count,
      /** The most bytes uploads may take in storage (507 `STORAGE_FULL` beyond it); null: no ceiling. */
      storageMaxBytes: count.nullable(),
    }),
    /** Sessions that have neither expired nor ended. */
    sessions: z.object({ active: count }),
    live: z.object({
      /** Open WebSocket (and other streaming) connections to this server. */
      sockets: count,
      /** Live subscriptions to a room's events on this server. */
      watchers: count,
    }),
  })
  .meta({ id: "AdminStats" });
export type AdminStats = z.infer<typeof adminStatsSchema>;

/** Every kind of entry the activity log holds. */
export const ACTIVITY_TYPES = [
  "user.created",
  "user.banned",
  "user.unbanned",
  "user.deleted",
  "user.admin_granted",
  "user.admin_revoked",
  "room.created",
  "room.updated",
  "room.deleted",
  "member.joined",
  "member.left",
  "member.kicked",
  "member.role_changed",
  "member.muted",
  "member.unmuted",
  "message.deleted",
  "report.resolved",
  "blocked_terms.updated",
  "webhook.created",
  "webhook.updated",
  "webhook.deleted",
  "webhook.secret_rotated",
  "webhook.disabled",
  "api_key.created",
  "api_key.revoked",
  "bot.deleted",
  "incoming_webhook.created",
  "incoming_webhook.deleted",
] as const;
export const activityTypeSchema = z.enum(ACTIVITY_TYPES);
export type ActivityType = z.infer<typeof activityTypeSchema>;

/** A user an entry names: their id, and their username while the account exists. */
const namedUserSchema = z.object({ id: idSchema, username: z.string().nullable() });

/** One entry of the activity log: who did what, in which room, to whom, when, and details. */
export const activityEntrySchema = z
  .object({
    id: idSchema,
    type: activityTypeSchema,
    /** Who did it; null when the server did (a command-line action). */
    actor: namedUserSchema.nullable(),
    /** The room it happened in; `name` is null once the room is deleted. */
    room: z.object({ id: idSchema, name: z.string().nullable() }).nullable(),
    /** Whom it was done to (a member kicked, a user banned), if anyone. */
    subject: namedUserSchema.nullable(),
    /** What else is known of it (a room's new name, a role, why a message was deleted). */
    details: z.record(z.string(), z.unknown()).nullable(),
    createdAt: timestampSchema,
  })
  .meta({ id: "ActivityEntry" });
export type ActivityEntry = z.infer<typeof activityEntrySchema>;

/** `GET /admin/activity`: newest first, filtered by any of actor, room, type and time. */
export const activityInputSchema = z.strictObject({
  /** Entries this user did. */
  userId: idSchema.optional(),
  roomId: idSchema.optional(),
  type: activityTypeSchema.optional(),
  /** Entries at or after this instant. */
  since: timestampSchema.optional(),
  /** Entries before this instant. */
  until: timestampSchema.optional(),
  limit: pageLimitSchema,
  /** The `nextCursor` of the previous page. */
  cursor: z.string().min(1).max(200).optional(),
});
export type ActivityInput = z.input<typeof activityInputSchema>;

export const activityPageSchema = z.object({
  entries: z.array(activityEntrySchema),
  /** Null on the last page. */
  nextCursor: z.string().nullable(),
});
export type ActivityPage = z.infer<typeof activityPageSchema>;

/** A user as server admins see them: whether they are an admin, banned, and when last active. */
export const adminUserSchema = userSchema
  .extend({
    isAdmin: z.boolean(),
    /** When the user was banned; null while they are not. */
    bannedAt: timestampSchema.nullable(),
    lastActiveAt: timestampSchema.nullable(),
  })
  .meta({ id: "AdminUser" });
export type AdminUser = z.infer<typeof adminUserSchema>;

export const adminUserResultSchema = z.object({ user: adminUserSchema });

/** The user a ban (or its lifting) is about. */
export const banInputSchema = z.strictObject({ userId: idSchema });

/** `POST /admin/users`: an account made by an admin, whatever the sign-up policy. */
export const createUserInputSchema = z.strictObject({
  username: usernameSchema,
  password: passwordSchema,
});
