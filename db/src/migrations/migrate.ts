import { type MigrationProvider, Migrator, type MigratorProps } from "kysely";
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
 * A migrator that also applies a pending migration named before one already applied: features
 * built side by side take their numbers when they start, so a database migrated by a build
 * with `0023-…` may later meet a newer build's `0020-…`. Kysely refuses that by default.
 */
export function migratorFor(db: MigratorProps["db"], provider: MigrationProvider): Migrator {
  return new Migrator({ db, provider, allowUnorderedMigrations: true });
}

/** Applies every pending migration; throws, naming the migration, if one fails. */
export async function migrateToLatest({ db, engine }: MigrationTarget): Promise<MigrationReport> {
  const migrator = migratorFor(db, migrationProvider(engine));
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
export async function pendingMigrations({ db, engine }: MigrationTarget): Promise<string[]> {
  const migrator = migratorFor(db, migrationProvider(engine));
  const migrations = await migrator.getMigrations();
  return migrations.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}
