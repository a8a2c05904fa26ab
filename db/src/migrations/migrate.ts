import { Migrator } from "kysely";
import type { OpenedDatabase } from "../dialect/open-database.js";
import { migrationProvider } from "./migrations.js";

/** The outcome of bringing a database to the latest schema. */
export interface MigrationReport {
  /** Names of the migrations this call applied, in order. */
  applied: string[];
}

/** The database to migrate: its Kysely instance and the engine behind it. */
export type MigrationTarget = Pick<OpenedDatabase, "db" | "engine">;

/**
 * A migrator of `db`. Work on separate features is numbered in advance, so a migration may
 * land after one with a higher number that a database has already run (0020 after 0021-a):
 * Kysely then runs the pending one instead of refusing the database as corrupted. Each
 * migration touches only its own tables and columns, so their order does not matter.
 */
function migratorOf({ db, engine }: MigrationTarget): Migrator {
  return new Migrator({ db, provider: migrationProvider(engine), allowUnorderedMigrations: true });
}

/** Applies every pending migration; throws, naming the migration, if one fails. */
export async function migrateToLatest(target: MigrationTarget): Promise<MigrationReport> {
  const migrator = migratorOf(target);
  const { error, results = [] } = await migrator.migrateToLatest();
  const failed = results.find((r) => r.status === "Error");
  if (error || failed) {
    const name = failed ? ` (${failed.migrationName})` : "";
    throw new Error(`migration failed${name}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return { applied: results.filter((r) => r.status === "Success").map((r) => r.migrationName) };
}

/** Names of the migrations not yet applied to this database (empty when it is current). */
export async function pendingMigrations(target: MigrationTarget): Promise<string[]> {
  const migrator = migratorOf(target);
  const migrations = await migrator.getMigrations();
  return migrations.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}
