import { z } from "zod";
import { idSchema, timestampSchema } from "./common.js";
import { pushSubscriptionSchema } from "./push.js";
import { meSchema } from "./user.js";

/** What `GET /me/export` documents carry in `format`: a change of shape changes it. */
export const DATA_EXPORT_FORMAT = "natter.export.v1";

const exportedSessionSchema = z.object({
  id: idSchema,
  createdAt: timestampSchema,
  lastUsedAt: timestampSchema,
  expiresAt: timestampSchema,
  userAgent: z.string().nullable(),
});

const exportedRoomSchema = z.object({
  id: idSchema,
  name: z.string(),
  kind: z.enum(["room", "direct"]),
  role: z.enum(["owner", "admin", "member"]),
  joinedAt: timestampSchema,
  /** The read position: the seq up to which you have read, and when it last moved. */
  readSeq: z.number().int(),
  readAt: timestampSchema.nullable(),
  /** For a direct room, the other person's id; null otherwise. */
  directWith: idSchema.nullable(),
});

const exportedMessageSchema = z.object({
  id: idSchema,
  roomId: idSchema,
  seq: z.number().int(),
  threadId: idSchema.nullable(),
  replyToId: idSchema.nullable(),
  /** Null once deleted. natter keeps no earlier versions: an edit replaces the text, `editedAt` says when. */
  body: z.string().nullable(),
  createdAt: timestampSchema,
  editedAt: timestampSchema.nullable(),
  deletedAt: timestampSchema.nullable(),
  /** The ids of its attachments (listed under `uploads`), in order. */
  attachmentIds: z.array(idSchema),
});

const exportedReactionSchema = z.object({
  messageId: idSchema,
  roomId: idSchema,
  emoji: z.string(),
  createdAt: timestampSchema,
});

const exportedUploadSchema = z.object({
  id: idSchema,
  /** Where its bytes are served (while the account lives): they are listed, not embedded. */
  url: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  contentType: z.string(),
  size: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  filename: z.string().nullable(),
  createdAt: timestampSchema,
  messageId: idSchema.nullable(),
  roomId: idSchema.nullable(),
});

const exportedReportSchema = z.object({
  id: idSchema,
  roomId: idSchema,
  messageId: idSchema,
  reason: z.string(),
  note: z.string().nullable(),
  status: z.enum(["open", "resolved"]),
  createdAt: timestampSchema,
});

const exportedBlockSchema = z.object({ userId: idSchema, createdAt: timestampSchema });

const exportedMuteSchema = z.object({
  roomId: idSchema,
  until: timestampSchema.nullable(),
  reason: z.string().nullable(),
  createdAt: timestampSchema,
});

const exportedApiKeySchema = z.object({
  id: idSchema,
  /** The bot the key acts as. */
  botUserId: idSchema,
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  createdAt: timestampSchema,
  expiresAt: timestampSchema.nullable(),
  lastUsedAt: timestampSchema.nullable(),
});

/**
 * Everything natter holds about one person, as `GET /me/export` streams it (GDPR articles
 * 15 and 20). Secrets are never in it: no session token, password hash or API key (only
 * its prefix); uploads are listed with their URL and SHA-256, not embedded.
 */
export const dataExportSchema = z
  .object({
    format: z.literal(DATA_EXPORT_FORMAT),
    exportedAt: timestampSchema,
    profile: meSchema,
    sessions: z.array(exportedSessionSchema),
    /** Rooms you are a member of (direct rooms too), with your role and read position. */
    rooms: z.array(exportedRoomSchema),
    /** Every message you wrote, in every room, oldest first. */
    messages: z.array(exportedMessageSchema),
    reactions: z.array(exportedReactionSchema),
    uploads: z.array(exportedUploadSchema),
    /** Reports you made. */
    reports: z.array(exportedReportSchema),
    /** People you blocked. */
    blocks: z.array(exportedBlockSchema),
    /** Rooms where you are muted. */
    mutes: z.array(exportedMuteSchema),
    /** API keys you created for bots (server admins), without the keys. */
    apiKeys: z.array(exportedApiKeySchema),
    /** Devices that receive your notifications: the push service's endpoint, not the keys. */
    pushSubscriptions: z.array(pushSubscriptionSchema),
  })
  .meta({ id: "DataExport" });
export type DataExport = z.infer<typeof dataExportSchema>;

/** `DELETE /me`: the account's password, asked again. */
export const deleteAccountInputSchema = z.strictObject({ password: z.string().min(1).max(1024) });
export type DeleteAccountInput = z.infer<typeof deleteAccountInputSchema>;
