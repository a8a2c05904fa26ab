import { z } from "zod";

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A rate written as `<count>/<window>`, the window a number and a unit (`s`, `m`, `h`, `d`):
 * `100/1h` is at most 100 per hour, `30/10s` at most 30 per ten seconds.
 */
export const rateRuleSchema = z
  .string()
  .trim()
  .regex(/^\d+\/\d+[smhd]$/, "write it as <count>/<window>, such as 100/1h or 30/10s")
  .transform((text): { limit: number; windowMs: number } => {
    const [count = "", window = ""] = text.split("/");
    const unit = window.slice(-1) as keyof typeof UNIT_MS;
    return { limit: Number(count), windowMs: Number(window.slice(0, -1)) * UNIT_MS[unit] };
  })
  .refine((rule) => rule.limit > 0 && rule.windowMs > 0, "count and window must be above 0");
