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
 *
 * Kysely's own wait for that connection wakes every waiter at each release, and all but one
 * go back to waiting: under 50 concurrent requests that was a hundred wake-ups per request.
 * The queue in front hands the connection to the waiters one at a time, in arrival order,
 * so Kysely's wait never has more than one caller.
 */
class ImmediateTransactionSqliteDriver extends SqliteDriver {
  readonly #queue = new ConnectionQueue();

  override async acquireConnection(): Promise<DatabaseConnection> {
    await this.#queue.take();
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    this.#queue.release();
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  /**
   * After some errors (a full disk, an I/O error, no memory) SQLite has rolled the transaction
   * back itself; Kysely's rollback then fails with "cannot rollback - no transaction is
   * active", and that error would replace the real cause in what the caller sees and logs.
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } catch (error) {
      if (!/no transaction is active/.test((error as Error).message)) throw error;
    }
  }
}

/** One holder at a time; the others wait in arrival order and are woken one by one. */
class ConnectionQueue {
  #held = false;
  readonly #waiting: Array<() => void> = [];

  take(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#held = false;
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
