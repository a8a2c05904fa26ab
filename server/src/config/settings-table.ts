import { type Config, configSchema } from "./config.js";
import { flagOf, settingOf } from "./setting.js";

/** One configuration setting as a person reads it. */
export interface SettingRow {
  key: keyof Config;
  env: string;
  /** The `natter serve` flag, without dashes. */
  flag: string;
  defaultText: string;
  description: string;
}

/** Every setting of `configSchema`, in declaration order, with its default spelled out. */
export function settingRows(): SettingRow[] {
  return (Object.keys(configSchema.shape) as (keyof Config)[]).map((key) => {
    const field = configSchema.shape[key];
    const meta = settingOf(field);
    return {
      key,
      env: meta.env,
      flag: flagOf(key, meta),
      defaultText: meta.defaultText ?? String(field.parse(undefined)),
      description: meta.description,
    };
  });
}

/** The settings as the Markdown table the README carries between its `settings` markers. */
export function renderSettingsMarkdown(rows = settingRows()): string {
  const lines = ["| variable | flag | default | meaning |", "| --- | --- | --- | --- |"];
  for (const row of rows) {
    lines.push(`| \`${row.env}\` | \`--${row.flag}\` | \`${row.defaultText}\` | ${row.description} |`);
  }
  return lines.join("\n");
}

/** The settings as the option list of `natter serve --help`. */
export function renderSettingsHelp(rows = settingRows()): string {
  return rows
    .map((row) => {
      return `  --${row.flag}, ${row.env} (default: ${row.defaultText})\n      ${row.description.replaceAll("`", "")}`;
    })
    .join("\n");
}
