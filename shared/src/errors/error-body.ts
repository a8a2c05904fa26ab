import { z } from "zod";
import { ERROR_CODES } from "./error-codes.js";

/** The body of every REST error answer, and the `data.error` of every tRPC error. */
export const errorBodySchema = z
  .object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    requiredRole: z.string().optional(),
    /** With `INSUFFICIENT_SCOPE`: the API key scope the call needs. */
    requiredScope: z.string().optional(),
    retryAfterSeconds: z.number().optional(),
    /** With `MUTED`: when the mute ends, or null when it lasts until lifted. */
    until: z.string().nullable().optional(),
  })
  .meta({ id: "Error" });

/** A machine-readable error as it travels over the wire. */
export type ErrorBody = z.infer<typeof errorBodySchema>;
