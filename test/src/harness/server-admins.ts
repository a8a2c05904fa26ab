import { openDatabase } from "@natter/db";
import { setServerAdmin } from "natter";

/**
 * Makes users server admins in a server's SQLite file through a second connection, as
 * `natter admin grant` does (the same function, without a process per user: fixtures need
 * many admins; `test/src/admin/cli.test.ts` runs the command itself).
 */
export async function grantServerAdmin(databaseUrl: string, ...usernames: string[]): Promise<void> {
  const database = openDatabase(databaseUrl);
  try {
    for (const username of usernames) await setServerAdmin(database.db, username, true, Date.now());
  } finally {
    await database.close();
  }
}
