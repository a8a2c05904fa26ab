import { createUserInputSchema } from "@natter/shared";
import { PasswordHasher } from "../../auth/password-hasher.js";
import { systemClock } from "../../clock/clock.js";
import { createAccount } from "../../services/accounts/create-account.js";
import { validationFailed } from "../../trpc/validation-failed.js";
import { withCliDatabase } from "../support/cli-database.js";
import { type Command, UsageError } from "../support/command.js";
import { describeNatterError } from "../support/natter-error-line.js";
import { readPassword } from "../support/read-password.js";

/** `natter users add USERNAME`: an account made by the operator, whatever the sign-up policy. */
export const usersCommand: Command = {
  name: "users",
  summary: "add an account (also when sign-up is closed)",
  usage: "natter users add USERNAME [--db URL]",
  details: () =>
    "Asks for the password on a terminal (twice, not echoed); otherwise reads it from the first line of\n" +
    "standard input, as in `printf '%s\\n' \"$PASSWORD\" | natter users add bob`. Never from the arguments,\n" +
    "which anyone on the machine can read. Works while the server runs. Prints the new user as JSON.",
  options: { db: { type: "string" } },
  takesArguments: true,
  async run({ values, positionals }) {
    const [action, username, ...extra] = positionals;
    if (action !== "add") throw new UsageError("say add");
    if (!username) throw new UsageError("USERNAME is required");
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
