import { migrateToLatest, openDatabase, redactDatabaseUrl } from "@natter/db";
import { loadConfig } from "../../config/config.js";
import { createLogger } from "../../logger.js";
import type { Command } from "../support/command.js";

/** `natter migrate`: applies pending migrations and exits. */
export const migrateCommand: Command = {
  name: "migrate",
  summary: "apply pending migrations and exit",
  usage: "natter migrate [--db URL] [--db-pool-size N]",
  options: { db: { type: "string" }, "db-pool-size": { type: "string" } },
  async run({ values }) {
    const config = loadConfig({
      databaseUrl: values.db as string | undefined,
      dbPoolSize: values["db-pool-size"] as string | undefined,
    });
    const logger = createLogger(config.logLevel, undefined, config.logFormat);
    const database = openDatabase(config.databaseUrl, { poolSize: config.dbPoolSize });
    try {
      const { applied } = await migrateToLatest(database);
      logger.info(
        { applied, database: redactDatabaseUrl(config.databaseUrl) },
        applied.length ? "migrations applied" : "already up to date",
      );
    } finally {
      await database.close();
    }
    return 0;
  },
};
