import type { ConfigInput } from "../../config/config.js";
import { settingRows } from "../../config/settings-table.js";

/** Maps parsed `--<flag>` values onto the config keys they set; absent flags stay absent. */
export function configFromFlags(values: Record<string, string | boolean | undefined>): ConfigInput {
  const input: Record<string, unknown> = {};
  for (const row of settingRows()) {
    const value = values[row.flag];
    if (typeof value === "string") input[row.key] = value;
  }
  return input as ConfigInput;
}
