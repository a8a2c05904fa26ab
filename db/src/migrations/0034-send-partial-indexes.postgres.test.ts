import { describeMigrationOnPostgres } from "../../../test/src/harness/migration-on-postgres.js";
import { checkSendPartialIndexesMigration } from "../../../test/src/harness/send-partial-indexes-migration.js";

describeMigrationOnPostgres(
  "0034-send-partial-indexes",
  "keeps messages found by thread, pin and client id, and a client id unique",
  checkSendPartialIndexesMigration,
);
