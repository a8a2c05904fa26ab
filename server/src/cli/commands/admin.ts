import { systemClock } from "../../clock/clock.js";
import { setServerAdmin } from "../../services/access/server-admins.js";
import { withCliDatabase } from "../support/cli-database.js";
import { type Command, UsageError } from "../support/command.js";
import { describeNatterError } from "../support/natter-error-line.js";

/** `natter admin grant|revoke USERNAME`: the only way to make or unmake a server admin. */
export const adminCommand: Command = {
  name: "admin",
  summary: "grant or revoke the server-admin flag of a user",
  usage: "natter admin grant|revoke USERNAME [--db URL]",
  details: () =>
    "Server admins see the statistics and activity log, ban users, create accounts and may delete any room\n" +
    "or message. The flag is granted only here, never over the API. Works while the server runs: the next\n" +
    "request of that user sees it. Prints what it did as one JSON line.",
  options: { db: { type: "string" } },
  takesArguments: true,
  async run({ values, positionals }) {
    const [action, username, ...extra] = positionals;
    if (action !== "grant" && action !== "revoke") throw new UsageError("say grant or revoke");
    if (!username) throw new UsageError("USERNAME is required");
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    return withCliDatabase({ databaseUrl: values.db as string | undefined }, async (db) => {
      try {
        const change = await setServerAdmin(db, username, action === "grant", systemClock.now());
        console.log(JSON.stringify({ ...change, isAdmin: action === "grant" }));
        return 0;
      } catch (error) {
        return describeNatterError(`admin ${action}`, error);
      }
    });
  },
};
