import { z } from "zod";
import { idSchema, timestampSchema } from "./common.js";

/** The thread under a message that has replies. */
export const threadSummarySchema = z
  .object({
    /** Replies that are not deleted. */
    replyCount: z.number().int().nonnegative(),
    lastReplyAt: timestampSchema.nullable(),
    /** The most recent distinct repliers (at most 5), newest first. */
    participantIds: z.array(idSchema),
  })
  .meta({ id: "ThreadSummary" });
export type ThreadSummary = z.infer<typeof threadSummarySchema>;
