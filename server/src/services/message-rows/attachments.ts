import { bumpCounters, type Database, STAT_COUNTERS, type UploadsTable } from "@natter/db";
import { type Attachment, type ImageContentType, NatterError, type Upload, uploadContentPath } from "@natter/shared";
import type { Kysely, Selectable, Transaction } from "kysely";
import type { BlobStore } from "../../uploads/blob-store.js";

type UploadRow = Selectable<UploadsTable>;

/** An upload as its uploader sees it. */
export function toUpload(row: UploadRow): Upload {
  return { ...toAttachment(row), sha256: row.sha256, createdAt: row.created_at };
}

/** An upload as the message carrying it shows it. */
export function toAttachment(row: UploadRow): Attachment {
  return {
    id: row.id,
    url: uploadContentPath(row.id),
    contentType: row.content_type as ImageContentType,
    size: Number(row.size),
    width: row.width,
    height: row.height,
  };
}

/** The attachments of each of the given messages, in their order; messages without any are absent. */
export async function attachmentsOf(
  db: Kysely<Database>,
  messageIds: readonly string[],
): Promise<Map<string, Attachment[]>> {
  const byMessage = new Map<string, Attachment[]>();
  if (messageIds.length === 0) return byMessage;
  const rows = await db
    .selectFrom("uploads")
    .selectAll()
    .where("message_id", "in", messageIds)
    .orderBy("message_id")
    .orderBy("position")
    .execute();
  for (const row of rows) {
    const messageId = row.message_id ?? "";
    byMessage.set(messageId, [...(byMessage.get(messageId) ?? []), toAttachment(row)]);
  }
  return byMessage;
}

/**
 * Attaches the sender's uploads to a message, in the order given. Each must be the sender's,
 * attached to nothing else (another message, an avatar), or the whole change is refused.
 * Uploads already on this message keep their place in the new order.
 */
export async function attachUploads(
  trx: Transaction<Database>,
  ownerId: string,
  message: { id: string; roomId: string },
  uploadIds: readonly string[],
): Promise<Attachment[]> {
  if (uploadIds.length === 0) return [];
  const rows = await trx
    .selectFrom("uploads")
    .selectAll()
    .where("id", "in", uploadIds)
    .where("owner_id", "=", ownerId)
    .where((eb) => eb.or([eb("message_id", "is", null), eb("message_id", "=", message.id)]))
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom("users").select("id").whereRef("avatar_upload_id", "=", "uploads.id"))),
    )
    .execute();
  const found = new Map(rows.map((row) => [row.id, row]));
  const missing = uploadIds.findIndex((id) => !found.has(id));
  if (missing !== -1) {
    throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
      issues: [{ path: `attachmentIds.${missing}`, message: "must be an upload of yours not attached elsewhere" }],
    });
  }
  const attachments: Attachment[] = [];
  for (const [position, id] of uploadIds.entries()) {
    await trx
      .updateTable("uploads")
      .set({ message_id: message.id, room_id: message.roomId, position })
      .where("id", "=", id)
      .execute();
    attachments.push(toAttachment(found.get(id) as UploadRow));
  }
  return attachments;
}

/**
 * Deletes uploads, and the bytes of each that nothing else uses any more; answers how many
 * it deleted. Runs inside the caller's transaction: the count of a blob's users and the
 * deletion of its bytes happen under the blob row's lock, so a concurrent upload of the same
 * bytes either finds the row (and the bytes stay) or stores them anew after. An upload is
 * counted off its blob only by the transaction whose delete removed its row: on PostgreSQL
 * two transactions can select the same upload (read committed), and the second one's delete
 * waits for the first, then finds nothing.
 */
export async function deleteUploads(
  trx: Transaction<Database>,
  blobs: BlobStore,
  select: (db: Kysely<Database>) => Promise<{ id: string; sha256: string }[]>,
): Promise<number> {
  let deleted = 0;
  for (const { id, sha256 } of await select(trx)) {
    const { numDeletedRows } = await trx.deleteFrom("uploads").where("id", "=", id).executeTakeFirst();
    if (numDeletedRows === 0n) continue;
    deleted += 1;
    const blob = await trx
      .updateTable("blobs")
      .set((eb) => ({ ref_count: eb("ref_count", "-", 1) }))
      .where("sha256", "=", sha256)
      .returning(["ref_count", "size"])
      .executeTakeFirst();
    const gone = blob !== undefined && blob.ref_count <= 0;
    await bumpCounters(trx, { [STAT_COUNTERS.uploads]: -1, [STAT_COUNTERS.storedBytes]: gone ? -blob.size : 0 });
    if (gone) {
      await trx.deleteFrom("blobs").where("sha256", "=", sha256).execute();
      await blobs.delete(sha256);
    }
  }
  return deleted;
}

/** The uploads attached to one message, as `deleteUploads` selects them. */
export function uploadsOfMessage(messageId: string, except: readonly string[] = []) {
  return (db: Kysely<Database>) => {
    let query = db.selectFrom("uploads").select(["id", "sha256"]).where("message_id", "=", messageId);
    if (except.length > 0) query = query.where("id", "not in", except);
    return query.execute();
  };
}
