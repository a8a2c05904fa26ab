import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";

/**
 * Kysely's SQLite driver starts transactions with a deferred `begin`: the write lock is
 * taken at the first write, and if another process (such as `natter migrate`) committed in
 * between, SQLite fails the transaction with SQLITE_BUSY instead of waiting. `begin
 * immediate` takes the write lock up front, where `busy_timeout` makes it wait. Inside one
 * process nothing is lost: Kysely already runs one query at a time on its one connection.
 */
class ImmediateTransactionSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

/** Kysely's SQLite dialect with write-locking transactions. */
export class ImmediateTransactionSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateTransactionSqliteDriver(this.#config);
  }
}
