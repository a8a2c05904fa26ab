import { type Kysely, Migrator } from "kysely";
import type { Database } from "../schema/database.js";
import { migrationProvider } from "./migrations.js";

/** The outcome of bringing a database to the latest schema. */
export interface MigrationReport {
  /** Names of the migrations this call applied, in order. */
  applied: string[];
}

/** Applies every pending migration; throws, naming the migration, if one fails. */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider: migrationProvider });
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
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const migrations = await migrator.getMigrations();
  return migrations.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}
