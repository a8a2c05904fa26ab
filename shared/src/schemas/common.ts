import { z } from "zod";

/** An opaque identifier (UUIDv7 text); never sequential, never parsed by clients. */
export const idSchema = z.string().min(1).max(64);

/** An instant as an ISO-8601 UTC string with milliseconds. */
export const timestampSchema = z.iso.datetime();

/**
 * A boolean in a JSON body. trpc-to-openapi coerces body and query values in place
 * (`Boolean("false")` is true); it leaves a pipe alone, so only `true` and `false` pass.
 */
export const jsonBooleanSchema = z.boolean().pipe(z.boolean());
