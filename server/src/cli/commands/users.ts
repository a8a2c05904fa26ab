import { createUserInputSchema } from "@natter/shared";
import { PasswordHasher } from "../../auth/password-hasher.js";
import { systemClock } from "../../clock/clock.js";
import { createAccount } from "../../services/accounts/create-account.js";
import { validationFailed } from "../../trpc/validation-failed.js";
import { withCliDatabase } from "../support/cli-database.js";
import { type Command, UsageError } from "../support/command.js";
import { describeNatterError } from "../support/natter-error-line.js";
import { readPassword } from "../support/read-password.js";
import { deleteUserFromCli } from "./users-delete.js";

/** `natter users add USERNAME`: an account made by the operator, whatever the sign-up policy. */
export const usersCommand: Command = {
  name: "users",
  summary: "add an account (also when sign-up is closed), or delete one",
  usage: "natter users add USERNAME [--db URL]\n       natter users delete USERNAME [--db URL]",
  details: () =>
    "Asks for the password on a terminal (twice, not echoed); otherwise reads it from the first line of\n" +
    "standard input, as in `printf '%s\\n' \"$PASSWORD\" | natter users add bob`. Never from the arguments,\n" +
    "which anyone on the machine can read. Works while the server runs. Prints the new user as JSON.\n\n" +
    "`delete` does what `DELETE /api/v1/me` does (sessions ended, messages under the deleted-user\n" +
    "placeholder, uploads deleted, the username reserved for 30 days) without asking a password; prints\n" +
    "{ deleted: id }. Run it on `deleted-<id>` to finish a deletion that was interrupted.",
  options: { db: { type: "string" } },
  takesArguments: true,
  async run({ values, positionals }) {
    const [action, username, ...extra] = positionals;
    if (action !== "add" && action !== "delete") throw new UsageError("say add or delete");
    if (!username) throw new UsageError("USERNAME is required");
    if (action === "delete") {
      if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
      return withCliDatabase({ databaseUrl: values.db as string | undefined }, async (db, config, engine) => {
        try {
          console.log(JSON.stringify({ deleted: await deleteUserFromCli(db, config, engine, username) }));
          return 0;
        } catch (error) {
          return describeNatterError("users delete", error);
        }
      });
    }
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]} (the password is read from stdin)`);
    const password = await readPassword();
    return withCliDatabase({ databaseUrl: values.db as string | undefined }, async (db) => {
      try {
        const parsed = createUserInputSchema.safeParse({ username, password });
        if (!parsed.success) throw validationFailed(parsed.error.issues, "Invalid username or password");
        const user = await createAccount(
          db,
          new PasswordHasher(),
          { ...parsed.data, actorId: null },
          systemClock.now(),
        );
        console.log(JSON.stringify({ user }));
        return 0;
      } catch (error) {
        return describeNatterError("users add", error);
      }
    });
  },
};
