import type { Kysely, Migration } from "kysely";
import type { ColumnTypes } from "./column-types.js";

/**
 * The terms server admins block in what people write, with a mode each (reject or mask).
 * Keyed by the term's folded words, so one term is not listed twice in two spellings.
 */
export const blockedTerms = (t: ColumnTypes): Migration => ({
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable("blocked_terms")
      .addColumn("term_key", t.text, (c) => c.primaryKey())
      .addColumn("term", t.text, (c) => c.notNull())
      // "reject" or "mask".
      .addColumn("mode", t.text, (c) => c.notNull())
      // The list's order, as the admin gave it.
      .addColumn("position", t.integer, (c) => c.notNull())
      .addColumn("created_at", t.text, (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable("blocked_terms").execute();
  },
});
