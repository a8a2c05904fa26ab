import { describeMigrationOnPostgres } from "../../../test/src/harness/migration-on-postgres.js";
import { checkUsernameSkeletonsMigration } from "../../../test/src/harness/username-skeletons-migration.js";

describeMigrationOnPostgres(
  "0026-username-skeletons",
  "gives existing users their skeletons, oldest first, and makes skeletons unique",
  checkUsernameSkeletonsMigration,
);
