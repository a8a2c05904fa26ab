import type { Database } from "@natter/db";
import { type User, uploadContentPath } from "@natter/shared";
import type { Selectable } from "kysely";

/** A user row as anyone may see it. */
export function toUser(
  row: Pick<
    Selectable<Database["users"]>,
    "id" | "username" | "display_name" | "bio" | "created_at" | "avatar_upload_id" | "is_bot"
  >,
): User {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    bio: row.bio,
    createdAt: row.created_at,
    avatarUrl: row.avatar_upload_id === null ? null : uploadContentPath(row.avatar_upload_id),
    isBot: row.is_bot === 1,
  };
}
