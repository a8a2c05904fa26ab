import type { Database } from "@natter/db";
import { NatterError, usernameKeyOf } from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import type { Clock } from "../../clock/clock.js";
import type { AccountsService } from "../accounts/accounts-service.js";
import type { ProfilesService } from "../accounts/profiles-service.js";
import type { AccountDeletion } from "./account-deletion.js";
import { dataExportText } from "./data-export.js";

export interface AccountDataServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  accounts: Pick<AccountsService, "confirmPassword">;
  profiles: Pick<ProfilesService, "me">;
  deletion: AccountDeletion;
}

/** A person's rights over their data: a copy of all of it, and deleting their account. */
export class AccountDataService {
  constructor(private readonly deps: AccountDataServiceDeps) {}

  /** The caller's export (`DataExport`) as JSON text in pieces, read as they are taken. */
  exportText(session: AuthSession): AsyncGenerator<string> {
    const { db, clock, profiles } = this.deps;
    return dataExportText({ db, profile: (userId) => profiles.me(userId) }, session.userId, clock.now());
  }

  /**
   * Deletes the caller's account once their password is given again (INVALID_CREDENTIALS
   * otherwise, counted as password-change guesses are). Their sessions end everywhere at once.
   */
  async deleteOwn(session: AuthSession, password: string): Promise<void> {
    await this.deps.accounts.confirmPassword(session, password);
    await this.deps.deletion.delete(session.userId, session.userId);
  }

  /**
   * Deletes the account with this username (`natter users delete`); a deleted account's
   * placeholder name (`deleted-<id>`) finishes an interrupted deletion. USER_NOT_FOUND when
   * there is none. Answers the account's id.
   */
  async deleteByUsername(username: string): Promise<string> {
    const user = await this.deps.db
      .selectFrom("users")
      .select(["id", "deleted_at"])
      .where("username_key", "=", usernameKeyOf(username))
      .executeTakeFirst();
    if (!user) throw new NatterError("USER_NOT_FOUND", "No such user");
    await this.deps.deletion.delete(user.id, null);
    return user.id;
  }
}
