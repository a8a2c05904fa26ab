import type { Database } from "@natter/db";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import type { BlobStore } from "../../uploads/blob-store.js";
import { deleteUploads } from "../message-rows/attachments.js";
import { uploadNotFound } from "./upload-content.js";

/** What changing an avatar needs. */
export interface AvatarDeps {
  db: Kysely<Database>;
  /** Where a replaced avatar's bytes are deleted. */
  blobs: BlobStore;
}

/**
 * Shows one of the caller's uploads as their avatar; the one it replaces is deleted. The
 * upload must not be attached to a message.
 */
export async function setAvatar({ db, blobs }: AvatarDeps, session: AuthSession, uploadId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const upload = await trx
      .selectFrom("uploads")
      .select("id")
      .where("id", "=", uploadId)
      .where("owner_id", "=", session.userId)
      .where("message_id", "is", null)
      .executeTakeFirst();
    if (!upload) throw uploadNotFound();
    const previous = await avatarOf(trx, session.userId);
    await trx.updateTable("users").set({ avatar_upload_id: uploadId }).where("id", "=", session.userId).execute();
    if (previous !== null && previous !== uploadId) {
      await deleteUploads(trx, blobs, (t) =>
        t.selectFrom("uploads").select(["id", "sha256"]).where("id", "=", previous).execute(),
      );
    }
  });
}

/** Removes the caller's avatar and deletes its upload. Without an avatar, does nothing. */
export async function clearAvatar({ db, blobs }: AvatarDeps, session: AuthSession): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const previous = await avatarOf(trx, session.userId);
    if (previous === null) return;
    await trx.updateTable("users").set({ avatar_upload_id: null }).where("id", "=", session.userId).execute();
    await deleteUploads(trx, blobs, (t) =>
      t.selectFrom("uploads").select(["id", "sha256"]).where("id", "=", previous).execute(),
    );
  });
}

async function avatarOf(db: Kysely<Database>, userId: string): Promise<string | null> {
  const row = await db.selectFrom("users").select("avatar_upload_id").where("id", "=", userId).executeTakeFirst();
  return row?.avatar_upload_id ?? null;
}
