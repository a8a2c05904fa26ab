import type { Database, UploadsTable } from "@natter/db";
import { type ImageContentType, idSchema, NatterError } from "@natter/shared";
import type { Kysely, Selectable } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { readableRoom } from "../access/room-access.js";

/** What the content path needs to serve an upload's bytes. */
export interface UploadContent {
  id: string;
  sha256: string;
  contentType: ImageContentType;
  size: number;
  filename: string;
}

const EXTENSIONS: Record<ImageContentType, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/gif": "gif",
  "image/webp": "webp",
};

/**
 * An upload's bytes for `session` (null: anonymous). Readable by whoever can read the
 * room of the message it is attached to, by any signed-in user if it is an avatar, and
 * by its uploader; to anyone else it does not exist.
 */
export async function uploadContent(
  db: Kysely<Database>,
  session: AuthSession | null,
  uploadId: string,
): Promise<UploadContent> {
  // From a plain path, unchecked: what is no id at all names no upload either.
  if (!idSchema.safeParse(uploadId).success) throw uploadNotFound();
  const row = await db.selectFrom("uploads").selectAll().where("id", "=", uploadId).executeTakeFirst();
  if (!row || !(await mayRead(db, session, row))) throw uploadNotFound();
  const contentType = row.content_type as ImageContentType;
  return {
    id: row.id,
    sha256: row.sha256,
    contentType,
    size: Number(row.size),
    // The extension follows the bytes: a PNG named `page.html` is served as `page.png`.
    filename: `${(row.filename ?? row.id).replace(/\.[^.]*$/, "") || row.id}.${EXTENSIONS[contentType]}`,
  };
}

function mayRead(db: Kysely<Database>, session: AuthSession | null, row: Selectable<UploadsTable>): Promise<boolean> {
  if (row.room_id !== null) {
    return readableRoom(db, row.room_id, session).then(
      () => true,
      (error: unknown) => {
        if (error instanceof NatterError && error.code === "ROOM_NOT_FOUND") return false;
        throw error;
      },
    );
  }
  if (session === null) return Promise.resolve(false);
  if (row.owner_id === session.userId) return Promise.resolve(true);
  return db
    .selectFrom("users")
    .select("id")
    .where("avatar_upload_id", "=", row.id)
    .executeTakeFirst()
    .then((user) => user !== undefined);
}

export function uploadNotFound(): NatterError {
  return new NatterError("UPLOAD_NOT_FOUND", "No such upload");
}
