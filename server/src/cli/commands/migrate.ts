import { migrateToLatest, openDatabase } from "@natter/db";
import { loadConfig } from "../../config/config.js";
import { createLogger } from "../../logger.js";
import type { Command } from "../command.js";

/** `natter migrate`: applies pending migrations and exits. */
export const migrateCommand: Command = {
  name: "migrate",
  summary: "apply pending migrations and exit",
  usage: "natter migrate [--db URL]",
  options: { db: { type: "string" } },
  async run({ values }) {
    const config = loadConfig({ databaseUrl: values.db as string | undefined });
    const logger = createLogger(config.logLevel, undefined, config.logFormat);
    const database = openDatabase(config.databaseUrl);
    try {
      const { applied } = await migrateToLatest(database.db);
      logger.info(
        { applied, database: config.databaseUrl },
        applied.length ? "migrations applied" : "already up to date",
      );
    } finally {
      await database.close();
    }
    return 0;
  },
};
