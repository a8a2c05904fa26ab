import type { Database } from "@natter/db";
import type { DirectMessagesSetting, FindUsersInput, Me, UserPage } from "@natter/shared";
import { LIMITS, NatterError, usernameKeyOf } from "@natter/shared";
import type { Kysely } from "kysely";
import type { TextFilter } from "../moderation/blocked-terms-service.js";
import { decodeCursor, encodeCursor } from "../paging/page-cursor.js";
import { toUser } from "./to-user.js";

export interface ProfilesServiceDeps {
  db: Kysely<Database>;
  /** The blocked terms display names and bios go through. */
  textFilter?: TextFilter;
}

/** What a profile change sets; a field left out keeps its value, null clears it. */
export interface ProfileChange {
  displayName?: string | null | undefined;
  bio?: string | null | undefined;
  /** Whether other members see how far the user has read. */
  shareReadReceipts?: boolean | undefined;
  directMessages?: DirectMessagesSetting | undefined;
}

/** Sorts after any character text may hold: `[prefix, prefix + PREFIX_END)` is every key starting with `prefix`. */
const PREFIX_END = "\u{10FFFF}";

/** Profiles, and finding people by name. */
export class ProfilesService {
  constructor(private readonly deps: ProfilesServiceDeps) {}

  /** A display name or bio through the blocked terms (null and empty stay as they are). */
  private async filtered(text: string | null, maxLength: number): Promise<string | null> {
    return text && this.deps.textFilter ? this.deps.textFilter.filter(text, maxLength) : text;
  }

  /** The caller as `GET /me` shows them. */
  async me(userId: string): Promise<Me> {
    const row = await this.deps.db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirst();
    if (!row) throw new NatterError("USER_NOT_FOUND", "No such user");
    return {
      ...toUser(row),
      isAdmin: row.is_admin === 1,
      directMessages: row.direct_messages,
      shareReadReceipts: row.share_read_receipts === 1,
    };
  }

  /** Changes the caller's display name and bio. */
  async update(userId: string, change: ProfileChange): Promise<Me> {
    const set: Partial<Record<"display_name" | "display_name_key" | "bio", string | null>> & {
      direct_messages?: DirectMessagesSetting;
      share_read_receipts?: number;
    } = {};
    if (change.displayName !== undefined) {
      const displayName = await this.filtered(change.displayName, LIMITS.displayNameMax);
      set.display_name = displayName;
      set.display_name_key = displayName?.toLowerCase() ?? null;
    }
    if (change.bio !== undefined) set.bio = await this.filtered(change.bio, LIMITS.bioMax);
    if (change.shareReadReceipts !== undefined) set.share_read_receipts = change.shareReadReceipts ? 1 : 0;
    if (change.directMessages !== undefined) set.direct_messages = change.directMessages;
    if (Object.keys(set).length > 0) {
      await this.deps.db.updateTable("users").set(set).where("id", "=", userId).execute();
    }
    return this.me(userId);
  }

  /**
   * Users by exact username (any case), or by a prefix of their username or display name
   * (any case), in username order. Both read indexes: the prefix is a range of each key.
   */
  async find(input: FindUsersInput & { limit: number }): Promise<UserPage> {
    const { db } = this.deps;
    // A deleted account is no one to find: its messages still name it by id.
    let query = db.selectFrom("users").selectAll().where("deleted_at", "is", null);
    if (input.username !== undefined) {
      query = query.where("username_key", "=", usernameKeyOf(input.username));
    } else {
      const prefix = (input.q ?? "").toLowerCase();
      query = query.where((eb) =>
        eb.or([
          eb.and([eb("username_key", ">=", prefix), eb("username_key", "<", prefix + PREFIX_END)]),
          eb.and([eb("display_name_key", ">=", prefix), eb("display_name_key", "<", prefix + PREFIX_END)]),
        ]),
      );
    }
    if (input.cursor !== undefined) query = query.where("username_key", ">", decodeCursor("users", input.cursor));
    const rows = await query
      .orderBy("username_key")
      .limit(input.limit + 1)
      .execute();
    const page = rows.slice(0, input.limit);
    const last = page.at(-1);
    return {
      users: page.map(toUser),
      nextCursor: rows.length > input.limit && last ? encodeCursor("users", last.username_key) : null,
    };
  }
}
