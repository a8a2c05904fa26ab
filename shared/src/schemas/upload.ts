import { z } from "zod";
import { LIMITS } from "../limits.js";
import { idSchema, timestampSchema } from "./common.js";

/** The image types natter accepts, as decided from the bytes. */
export const imageContentTypeSchema = z.enum(["image/png", "image/jpeg", "image/gif", "image/webp"]);
export type ImageContentType = z.infer<typeof imageContentTypeSchema>;

/** An image as a message carries it: where to fetch it and what it is. */
export const attachmentSchema = z
  .object({
    id: idSchema,
    /** Where the bytes are served, relative to the server's base URL. */
    url: z.string(),
    contentType: imageContentTypeSchema,
    size: z.number().int().positive(),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
  })
  .meta({ id: "Attachment" });
export type Attachment = z.infer<typeof attachmentSchema>;

/** An uploaded image, as its uploader sees it. */
export const uploadSchema = attachmentSchema
  .extend({
    /** SHA-256 of the bytes, hex. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    createdAt: timestampSchema,
  })
  .meta({ id: "Upload" });
export type Upload = z.infer<typeof uploadSchema>;

export const uploadResultSchema = z.object({ upload: uploadSchema });
export type UploadResult = z.infer<typeof uploadResultSchema>;

/** Uploads to attach to a message: the sender's own, not attached elsewhere, no repeats. */
export const attachmentIdsSchema = z
  .array(idSchema)
  .max(LIMITS.attachmentsPerMessageMax)
  .refine((ids) => new Set(ids).size === ids.length, "must not repeat an id");

export const setAvatarInputSchema = z.strictObject({
  /** An upload of the caller's, not attached to a message. */
  uploadId: idSchema,
});

/** The path an upload's bytes are served at. */
export function uploadContentPath(uploadId: string): string {
  return `/api/v1/uploads/${encodeURIComponent(uploadId)}/content`;
}
