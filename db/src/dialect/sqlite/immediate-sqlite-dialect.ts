import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from "kysely";

/**
 * A transaction's first and last statements, compiled once: `CompiledQuery.raw` freezes a new
 * operation tree and query at every call (Kysely's `SqliteDriver` makes its `commit` so).
 */
const BEGIN_IMMEDIATE = CompiledQuery.raw("begin immediate");
const COMMIT = CompiledQuery.raw("commit");

/** The connection an open transaction holds, while it is open: what a dialect's driver and adapter share. */
interface TransactionHold {
  connection: DatabaseConnection | undefined;
}

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

  constructor(
    config: SqliteDialectConfig,
    private readonly hold: TransactionHold,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    await this.#queue.take();
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    this.#queue.release();
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(BEGIN_IMMEDIATE);
    this.hold.connection = connection;
  }

  /** As `SqliteDriver`'s, with its statement compiled once. */
  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    this.hold.connection = undefined;
    await connection.executeQuery(COMMIT);
  }

  /**
   * After some errors (a full disk, an I/O error, no memory) SQLite has rolled the transaction
   * back itself; Kysely's rollback then fails with "cannot rollback - no transaction is
   * active", and that error would replace the real cause in what the caller sees and logs.
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    this.hold.connection = undefined;
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

/** SQLite's adapter, which also knows the connection its database's open transaction holds. */
class TransactionAwareSqliteAdapter extends SqliteAdapter {
  constructor(readonly hold: TransactionHold) {
    super();
  }
}

/**
 * The connection that the open transaction of the database `adapter` belongs to holds, if
 * that database is SQLite opened with `ImmediateTransactionSqliteDialect` and a transaction is
 * open: only that transaction's queries may run on it (SQLite has this one connection).
 */
export function sqliteTransactionConnection(adapter: DialectAdapter): DatabaseConnection | undefined {
  return adapter instanceof TransactionAwareSqliteAdapter ? adapter.hold.connection : undefined;
}

/**
 * Kysely's SQLite dialect with write-locking transactions. One dialect per database: its
 * driver and adapter share what its open transaction holds (`sqliteTransactionConnection`).
 */
export class ImmediateTransactionSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  readonly #hold: TransactionHold = { connection: undefined };

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateTransactionSqliteDriver(this.#config, this.#hold);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionAwareSqliteAdapter(this.#hold);
  }
}
