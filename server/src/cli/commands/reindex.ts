import {
  openDatabase,
  pendingMigrations,
  redactDatabaseUrl,
  reindexPostgresSearch,
  reindexSqliteSearch,
} from "@natter/db";
import { loadConfig } from "../../config/config.js";
import type { Command } from "../support/command.js";

/** `natter reindex`: rebuilds the message search index while the server keeps running. */
export const reindexCommand: Command = {
  name: "reindex",
  summary: "rebuild the message search index, online",
  usage: "natter reindex [--db URL]",
  details: () =>
    [
      "Rebuilds the full-text index of messages from the messages table, printing progress. The server",
      "may keep running: searches use the old index until the new one is complete.",
      "SQLite: new index tables are filled in batches of 5,000 messages (a send waits at most one batch),",
      "kept in step with changes made meanwhile, then swapped in at once.",
      "PostgreSQL: REINDEX CONCURRENTLY of the tsvector and trigram indexes.",
    ].join("\n"),
  options: { db: { type: "string" } },
  async run({ values }) {
    const config = loadConfig({ databaseUrl: values.db as string | undefined });
    const database = openDatabase(config.databaseUrl);
    console.log(`reindexing message search in ${redactDatabaseUrl(config.databaseUrl)}`);
    try {
      if ((await pendingMigrations(database)).length > 0) {
        console.error("natter reindex: the database has pending migrations; run `natter migrate` first");
        return 1;
      }
      if (database.engine === "postgres") {
        const indexes = await reindexPostgresSearch(database.db, {
          onStep: (index) => console.log(`rebuilding ${index}`),
        });
        console.log(`done: ${indexes.length} indexes rebuilt`);
      } else {
        const started = Date.now();
        const { indexed } = await reindexSqliteSearch(database.db, {
          onProgress: ({ indexed, total }) => console.log(`indexed ${indexed}/${total} messages`),
        });
        console.log(`done: ${indexed} messages indexed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    } finally {
      await database.close();
    }
    return 0;
  },
};
