import { z } from "zod";

/** What the command line and the docs say about one configuration setting. */
export interface SettingMeta {
  /** The environment variable that sets it, `NATTER_…`. */
  env: string;
  /** The `natter serve` flag, without dashes, where it differs from the key in kebab-case. */
  flag?: string;
  /** One line for `--help` and the README table. */
  description: string;
  /** How the default reads to a person, where the raw value would not (`7 days`). */
  defaultText?: string;
}

const settings = z.registry<SettingMeta>();

/** Declares a schema as a configuration setting with its variable, flag and description. */
export function setting<Schema extends z.ZodType>(schema: Schema, meta: SettingMeta): Schema {
  settings.add(schema, meta);
  return schema;
}

/** The metadata a field of the config schema was declared with. */
export function settingOf(schema: z.ZodType): SettingMeta {
  const meta = settings.get(schema);
  if (!meta) throw new Error("a config field was declared without setting()");
  return meta;
}

/** The `natter serve` flag of a setting, without dashes: the declared one, else the key in kebab-case. */
export function flagOf(key: string, meta: SettingMeta): string {
  return meta.flag ?? key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
