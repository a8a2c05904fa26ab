import { z } from "zod";
import { idSchema, timestampSchema } from "./common.js";

/** A message body: 1–4000 characters, not blank. */
export const messageBodySchema = z
  .string()
  .max(4000)
  .refine((body) => body.trim().length > 0, "must not be blank");

/** A message; a deleted one keeps its place as a tombstone with a null body. */
export const messageSchema = z
  .object({
    id: idSchema,
    roomId: idSchema,
    /** The room's sequence number of the event that created the message. */
    seq: z.number().int().positive(),
    authorId: idSchema,
    body: z.string().nullable(),
    replyToId: idSchema.nullable(),
    createdAt: timestampSchema,
    editedAt: timestampSchema.nullable(),
    deletedAt: timestampSchema.nullable(),
  })
  .meta({ id: "Message" });
export type Message = z.infer<typeof messageSchema>;
