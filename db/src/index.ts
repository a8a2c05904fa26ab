export { type BackupSummary, backupSqliteFile, restoreSqliteFile, verifySqliteFile } from "./backup/sqlite-backup.js";
export { DEFAULT_DATABASE_URL, type OpenedDatabase, openDatabase } from "./dialect/open-database.js";
export { withStatementCache } from "./dialect/statement-cache.js";
export { isUniqueViolation } from "./errors/unique-violation.js";
export { uuidV7 } from "./ids/uuid-v7.js";
export { type MigrationReport, migrateToLatest, pendingMigrations } from "./migrations/migrate.js";
export type * from "./schema/database.js";
export {
  bumpCounters,
  hourOf,
  MESSAGE_COUNTER_SHARDS,
  messageShardOf,
  messagesCounter,
  messagesInHourCounter,
  readCounters,
  STAT_COUNTERS,
  type StatCounter,
} from "./stats/stat-counters.js";
