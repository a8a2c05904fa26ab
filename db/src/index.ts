export {
  type BackupOptions,
  type BackupProgress,
  type BackupSummary,
  backupSqliteFile,
  blobKeysOf,
  restoreSqliteFile,
  verifySqliteFile,
} from "./backup/sqlite-backup.js";
export {
  CopyMismatch,
  type CopyOptions,
  type CopyProgress,
  CopyRefused,
  type CopyReport,
  copyDatabase,
} from "./copy/copy-database.js";
export { TABLES_IN_FOREIGN_KEY_ORDER } from "./copy/copy-order.js";
export { type DatabaseEngine, engineOf, redactDatabaseUrl } from "./dialect/database-engine.js";
export {
  DEFAULT_DATABASE_URL,
  DEFAULT_POOL_SIZE,
  type OpenDatabaseOptions,
  type OpenedDatabase,
  openDatabase,
} from "./dialect/open-database.js";
export { withStatementCache } from "./dialect/sqlite/statement-cache.js";
export { isDatabaseUnavailable } from "./errors/database-unavailable.js";
export { isRetryableConflict } from "./errors/retryable-conflict.js";
export { isUniqueViolation } from "./errors/unique-violation.js";
export { uuidV7 } from "./ids/uuid-v7.js";
export {
  type MigrationReport,
  type MigrationTarget,
  migrateToLatest,
  pendingMigrations,
} from "./migrations/migrate.js";
export {
  PREPARED_ROW_COUNTS,
  type PreparedQuery,
  preparedInsert,
  preparedPerRowCount,
  preparedQuery,
} from "./queries/prepared-query.js";
export type * from "./schema/database.js";
export * from "./search/cjk.js";
export * from "./search/postgres-search-index.js";
export * from "./search/sqlite-search-index.js";
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
export { usernameSkeleton } from "./users/username-skeleton.js";
