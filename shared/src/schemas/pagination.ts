import { z } from "zod";
import { LIMITS } from "../limits.js";

/**
 * How many items a page holds: 1 to 200, 50 when omitted. Plain `z.number()`: REST query
 * values are coerced by trpc-to-openapi, so "abc", "0" and "1.5" are rejected as 400.
 */
export const pageLimitSchema = z.number().int().min(1).max(LIMITS.pageLimitMax).default(LIMITS.pageLimitDefault);

/** How many items an offset-paginated listing skips; past the end gives an empty page. */
export const pageOffsetSchema = z.number().int().min(0).default(0);
