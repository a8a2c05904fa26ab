import {
  type Compilable,
  type CompiledQuery,
  createQueryId,
  type DatabaseConnection,
  type Kysely,
  type KyselyPlugin,
  type QueryExecutor,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from "kysely";
import { sqliteTransactionConnection } from "../dialect/sqlite/immediate-sqlite-dialect.js";
import type { Database } from "../schema/database.js";

/** What a query's builder is given in place of each value: its position among the arguments. */
class Placeholder {
  constructor(readonly index: number) {}
}

/** A query compiled once: its SQL, its tree, and for each parameter an argument's position or a constant. */
interface Template {
  sql: string;
  query: RootOperationNode;
  parameters: ReadonlyArray<{ argument: number } | { constant: unknown }>;
}

/** The template compiled with one list of plugins, and the way to longer lists. */
class TemplateNode {
  template: Template | undefined;
  readonly #next = new WeakMap<KyselyPlugin, TemplateNode>();

  after(plugin: KyselyPlugin): TemplateNode {
    const found = this.#next.get(plugin);
    if (found) return found;
    const node = new TemplateNode();
    this.#next.set(plugin, node);
    return node;
  }
}

/** A prepared query's runner: the database or transaction to run it on, then the values. */
export type PreparedQuery<Args extends readonly unknown[], Row> = (
  db: Kysely<Database>,
  ...args: Args
) => Promise<QueryResult<Row>>;

/**
 * A query built and compiled once per database, then run with new values: for the few
 * queries every request or message send runs, where building Kysely's operation tree and
 * compiling it cost more than the database's run of the statement. `build` is called once
 * per dialect with stand-ins for the arguments, so it must pass each argument to Kysely as a
 * value, never look at it (no `?? ""`, no branching on it, no arrays for `in`), and declare
 * its arguments one by one, or give their number as `argumentCount`. Plugins see
 * every run as they see a built query's (a timing plugin still times it); the SQL is that of
 * the plugins of the first database seen with that adapter and plugin list.
 */
export function preparedQuery<Args extends readonly unknown[], Row>(
  build: (db: Kysely<Database>, ...args: Args) => Compilable<Row>,
  argumentCount = build.length - 1,
): PreparedQuery<Args, Row> {
  // One Kysely's transactions share its adapter and its plugins (in a copy of its list);
  // another Kysely has its own adapter. So templates are found by adapter, then plugin by plugin.
  const templates = new WeakMap<object, TemplateNode>();
  const templateFor = (db: Kysely<Database>): Template => {
    const executor = db.getExecutor();
    let node = templates.get(executor.adapter);
    if (!node) {
      node = new TemplateNode();
      templates.set(executor.adapter, node);
    }
    for (const plugin of executor.plugins) node = node.after(plugin);
    if (!node.template) {
      const placeholders = Array.from({ length: argumentCount }, (_, index) => new Placeholder(index));
      const compiled = build(db, ...(placeholders as unknown as Args)).compile();
      node.template = {
        sql: compiled.sql,
        query: compiled.query,
        parameters: compiled.parameters.map((value) =>
          value instanceof Placeholder ? { argument: value.index } : { constant: value },
        ),
      };
    }
    return node.template;
  };
  return (db, ...args) => {
    const executor = db.getExecutor();
    const { sql, query, parameters } = templateFor(db);
    const queryId = createQueryId();
    executor.transformQuery(query, queryId);
    const compiled: CompiledQuery<Row> = {
      sql,
      query,
      queryId,
      parameters: parameters.map((parameter) =>
        "argument" in parameter ? args[parameter.argument] : parameter.constant,
      ),
    };
    const held = db.isTransaction ? sqliteTransactionConnection(executor.adapter) : undefined;
    return held ? runOnConnection(executor, held, compiled) : executor.executeQuery(compiled);
  };
}

/**
 * Multi-row statements are prepared once per row count (`preparedPerRowCount`) up to this many
 * rows, as every send writes a few: building and compiling Kysely's tree of a small multi-row
 * insert cost more than SQLite's run of it. More rows go through statements built each time.
 */
export const PREPARED_ROW_COUNTS = 64;

/**
 * `build(db, rows, args)`'s statement for each row count, prepared once per count (`preparedQuery`):
 * its arguments are `leading` ones, then `perRow` for each row, in turn. For up to
 * `PREPARED_ROW_COUNTS` rows.
 */
export function preparedPerRowCount<Row>(
  leading: number,
  perRow: number,
  build: (db: Kysely<Database>, rows: number, args: readonly unknown[]) => Compilable<Row>,
): (rows: number) => PreparedQuery<unknown[], Row> {
  const bySize = new Map<number, PreparedQuery<unknown[], Row>>();
  return (rows) => {
    let query = bySize.get(rows);
    if (!query) {
      query = preparedQuery((db, ...args: unknown[]) => build(db, rows, args), leading + perRow * rows);
      bySize.set(rows, query);
    }
    return query;
  };
}

/**
 * A multi-row insert into `table` of `columns`, with `constants` alike in every row: prepared
 * once per row count (`preparedPerRowCount`) up to `PREPARED_ROW_COUNTS` rows, built each time
 * above. Writes nothing for no rows.
 */
export function preparedInsert<T extends keyof Database & string, C extends keyof Database[T] & string>(
  table: T,
  columns: readonly C[],
  constants: Readonly<Record<string, unknown>> = {},
): (db: Kysely<Database>, rows: readonly Readonly<Record<C, unknown>>[]) => Promise<void> {
  const rowOf = (value: (column: number) => unknown) => {
    const row: Record<string, unknown> = { ...constants };
    for (const [i, column] of columns.entries()) row[column] = value(i);
    return row;
  };
  const byCount = preparedPerRowCount(0, columns.length, (db, rows, args) =>
    db
      .insertInto(table)
      .values(Array.from({ length: rows }, (_, row) => rowOf((i) => args[columns.length * row + i])) as never),
  );
  return async (db, rows) => {
    if (rows.length === 0) return;
    if (rows.length > PREPARED_ROW_COUNTS) {
      await db
        .insertInto(table)
        .values(rows.map((row) => rowOf((i) => row[columns[i] as C])) as never)
        .execute();
      return;
    }
    // A loop, not `flatMap`: V8's `flatMap` stored each value through a runtime call.
    const args: unknown[] = [];
    for (const row of rows) for (const column of columns) args.push(row[column]);
    await byCount(rows.length)(db, ...args);
  };
}

/**
 * Runs a query of an open SQLite transaction on the connection the transaction holds, then
 * through the plugins' `transformResult` as Kysely's executor does. The executor would pass it
 * through four more layers of promises (its connection provider's queue among them): six
 * inserts in a transaction, with one plugin, took 24 µs against 29 (a send runs six). Nothing else can run on the connection meanwhile (SQLite's one
 * connection is the transaction's until it ends), and the query runs at once, as Kysely runs
 * one in a transaction with none pending; a caller that starts several without awaiting each
 * (natter's transactions await every statement) may see a prepared query run before them.
 */
async function runOnConnection<Row>(
  executor: QueryExecutor,
  connection: DatabaseConnection,
  compiled: CompiledQuery<Row>,
): Promise<QueryResult<Row>> {
  let result = await connection.executeQuery<Row>(compiled);
  for (const plugin of executor.plugins) {
    result = (await plugin.transformResult({
      result: result as QueryResult<UnknownRow>,
      queryId: compiled.queryId,
    })) as QueryResult<Row>;
  }
  return result;
}
