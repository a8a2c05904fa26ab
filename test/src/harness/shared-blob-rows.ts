import type { Database } from "@natter/db";
import type { Kysely } from "kysely";

/** Two uploads of one user sharing one blob, as the database records them. */
export interface SharedBlobRows {
  sha256: string;
  /** The upload a test deletes. */
  doomedId: string;
  /** The upload that still uses the bytes afterwards. */
  keptId: string;
}

/**
 * Records a user, a blob of `size` bytes under `sha256` counted twice, and the two uploads that
 * count it, straight in a migrated database (no server): for tests of how uploads are deleted.
 */
export async function insertSharedBlobRows(
  db: Kysely<Database>,
  sha256: string,
  size: number,
): Promise<SharedBlobRows> {
  const createdAt = "2026-01-01T00:00:00.000Z";
  await db
    .insertInto("users")
    .values({ id: "u1", username: "alice", username_key: "alice", password_hash: "x", created_at: createdAt })
    .execute();
  await db.insertInto("blobs").values({ sha256, size, ref_count: 2 }).execute();
  const upload = (id: string) => ({
    id,
    owner_id: "u1",
    sha256,
    content_type: "image/png",
    size,
    width: 1,
    height: 1,
    filename: null,
    created_at: createdAt,
    message_id: null,
    room_id: null,
    position: null,
  });
  await db
    .insertInto("uploads")
    .values([upload("doomed"), upload("kept")])
    .execute();
  return { sha256, doomedId: "doomed", keptId: "kept" };
}
