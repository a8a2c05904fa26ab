import { createHash } from "node:crypto";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { bumpCounters, type Database, readCounters, STAT_COUNTERS, type UploadsTable, uuidV7 } from "@natter/db";
import { type ImageContentType, idSchema, LIMITS, NatterError, type Upload } from "@natter/shared";
import type { Kysely, Selectable } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import type { BlobStore, ByteRange } from "../../uploads/blob-store.js";
import { type ImageHeader, ImageSniffer, type SniffResult } from "../../uploads/image-sniffer.js";
import type { UploadQuota } from "../../uploads/upload-quota.js";
import { readableRoom } from "../access/room-access.js";
import { deleteUploads, toUpload } from "../message-rows/attachments.js";

export interface UploadsServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  blobs: BlobStore;
  quota: UploadQuota;
  /** The largest upload accepted, in bytes. */
  maxBytes: number;
  /** The most bytes all uploads may take in storage (each distinct content once); none when undefined. */
  storageMaxBytes?: number | undefined;
  /** How long an upload may stay attached to nothing before the sweeper deletes it. */
  unattachedTtlSeconds: number;
}

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

/** How many unattached uploads the sweeper deletes per transaction, and stored blobs it looks up at once. */
const SWEEP_BATCH = 100;

/**
 * How long the sweeper must have seen bytes in the store unrecorded (or in transit) before it
 * deletes them. Bytes are visible under their key unrecorded only inside the transaction that
 * records them, for milliseconds, and in transit while one upload arrives: an hour leaves
 * every upload in progress alone, and still cleans up after a crash.
 */
const ORPHAN_GRACE_MS = 3600_000;

/** What one pass of the sweeper removed. */
export interface SweepOutcome {
  /** Uploads attached to nothing for longer than their TTL. */
  unattached: number;
  /** Blobs no row records and bytes left in transit, seen so for the grace period. */
  orphaned: number;
}

/**
 * Images: stored as they stream in (sniffed, measured, hashed and counted against the
 * uploader's quota on the way), once per content; read back under the rules of where they
 * are attached; avatars; and the sweeper of uploads never attached.
 */
export class UploadsService {
  private sweeping: Promise<SweepOutcome> | undefined;
  /** Blobs no row recorded and bytes in transit, by when a pass first saw them so (server clock). */
  private unrecordedSince = new Map<string, number>();

  constructor(private readonly deps: UploadsServiceDeps) {}

  /**
   * Streams `source` into the blob store and records the upload. Refuses, as soon as the
   * bytes show it, anything but a PNG, JPEG, GIF or WebP (415), images of absurd dimensions
   * (400), more than `maxBytes` (413), bytes beyond the uploader's or their address's quota
   * (429) and bytes that would take storage beyond its ceiling (507); an empty body is 400.
   * Nothing of a refused or aborted upload stays behind. `declaredSize` is the body's length
   * when the request announced it, which lets the store stream without buffering.
   */
  async store(
    session: AuthSession,
    address: string,
    source: Readable,
    filename: string | null,
    declaredSize?: number,
  ): Promise<Upload> {
    const { db, clock, blobs } = this.deps;
    // What is left under the ceiling as the upload starts: a body announced larger is refused
    // before a byte is stored, and one that grows larger as it streams in.
    const room = await this.storageRoom(db);
    if (room <= 0 || (declaredSize !== undefined && declaredSize > room)) throw this.storageFull();
    const pending = await blobs.create(declaredSize);
    try {
      const { sha256, size, header } = await this.receive(session, address, source, pending.stream, room);
      await pending.stage();
      const now = clock.now();
      const row: Selectable<UploadsTable> = {
        id: uuidV7(now),
        owner_id: session.userId,
        sha256,
        content_type: header.contentType,
        size,
        width: header.width,
        height: header.height,
        filename: cleanFilename(filename),
        created_at: toTimestamp(now),
        message_id: null,
        room_id: null,
        position: null,
      };
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto("blobs")
          .values({ sha256, size, ref_count: 0 })
          .onConflict((oc) => oc.column("sha256").doNothing())
          .execute();
        // Taking the row's lock: a concurrent deletion of the same bytes waits, or went first.
        const { ref_count } = await trx
          .updateTable("blobs")
          .set((eb) => ({ ref_count: eb("ref_count", "+", 1) }))
          .where("sha256", "=", sha256)
          .returning("ref_count")
          .executeTakeFirstOrThrow();
        await trx.insertInto("uploads").values(row).execute();
        await bumpCounters(trx, {
          [STAT_COUNTERS.uploads]: 1,
          [STAT_COUNTERS.storedBytes]: ref_count === 1 ? size : 0,
        });
        // The exact check, with the counter's row locked by the bump: uploads finishing at once
        // on any node cannot together go beyond the ceiling. Bytes stored already cost nothing.
        if (ref_count === 1 && (await this.storageRoom(trx)) < 0) throw this.storageFull();
        // The first user of these bytes stores them; later ones find them stored.
        if (ref_count === 1) await pending.commit(sha256);
      });
      return toUpload(row);
    } finally {
      await pending.discard();
    }
  }

  /**
   * An upload's bytes for `session` (null: anonymous). Readable by whoever can read the
   * room of the message it is attached to, by any signed-in user if it is an avatar, and
   * by its uploader; to anyone else it does not exist.
   */
  async content(session: AuthSession | null, uploadId: string): Promise<UploadContent> {
    const { db } = this.deps;
    // From a plain path, unchecked: what is no id at all names no upload either.
    if (!idSchema.safeParse(uploadId).success) throw uploadNotFound();
    const row = await db.selectFrom("uploads").selectAll().where("id", "=", uploadId).executeTakeFirst();
    if (!row || !(await this.mayRead(session, row))) throw uploadNotFound();
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

  /** Streams stored bytes (all, or a range). */
  read(sha256: string, range?: ByteRange): Promise<Readable> {
    return this.deps.blobs.read(sha256, range);
  }

  /**
   * Shows one of the caller's uploads as their avatar; the one it replaces is deleted. The
   * upload must not be attached to a message.
   */
  async setAvatar(session: AuthSession, uploadId: string): Promise<void> {
    const { db, blobs } = this.deps;
    await db.transaction().execute(async (trx) => {
      const upload = await trx
        .selectFrom("uploads")
        .select("id")
        .where("id", "=", uploadId)
        .where("owner_id", "=", session.userId)
        .where("message_id", "is", null)
        .executeTakeFirst();
      if (!upload) throw uploadNotFound();
      const previous = await this.avatarOf(trx, session.userId);
      await trx.updateTable("users").set({ avatar_upload_id: uploadId }).where("id", "=", session.userId).execute();
      if (previous !== null && previous !== uploadId) {
        await deleteUploads(trx, blobs, (t) =>
          t.selectFrom("uploads").select(["id", "sha256"]).where("id", "=", previous).execute(),
        );
      }
    });
  }

  /** Removes the caller's avatar and deletes its upload. Without an avatar, does nothing. */
  async clearAvatar(session: AuthSession): Promise<void> {
    const { db, blobs } = this.deps;
    await db.transaction().execute(async (trx) => {
      const previous = await this.avatarOf(trx, session.userId);
      if (previous === null) return;
      await trx.updateTable("users").set({ avatar_upload_id: null }).where("id", "=", session.userId).execute();
      await deleteUploads(trx, blobs, (t) =>
        t.selectFrom("uploads").select(["id", "sha256"]).where("id", "=", previous).execute(),
      );
    });
  }

  /**
   * One pass of the sweeper: removes what a crash left in the blob store (bytes no row
   * references, bytes in transit), then deletes uploads attached to nothing (no message, no
   * avatar) for longer than the TTL, and their bytes when nothing else uses them. A pass
   * asked for while one runs is that one.
   */
  sweep(): Promise<SweepOutcome> {
    this.sweeping ??= (async () => {
      try {
        const orphaned = await this.sweepOrphanedBytes();
        return { orphaned, unattached: await this.sweepUnattached() };
      } finally {
        this.sweeping = undefined;
      }
    })();
    return this.sweeping;
  }

  private async sweepUnattached(): Promise<number> {
    const { db, clock, blobs, unattachedTtlSeconds } = this.deps;
    const cutoff = toTimestamp(clock.now() - unattachedTtlSeconds * 1000);
    let total = 0;
    for (;;) {
      const deleted = await db.transaction().execute((trx) =>
        deleteUploads(trx, blobs, (t) =>
          t
            .selectFrom("uploads")
            .select(["id", "sha256"])
            .where("message_id", "is", null)
            .where("created_at", "<", cutoff)
            .where((eb) =>
              eb.not(eb.exists(eb.selectFrom("users").select("id").whereRef("avatar_upload_id", "=", "uploads.id"))),
            )
            .limit(SWEEP_BATCH)
            .execute(),
        ),
      );
      total += deleted;
      if (deleted < SWEEP_BATCH) return total;
    }
  }

  /**
   * Bytes stored but recorded by no row (a crash between storing them and committing their
   * upload) and bytes left in transit, once this sweeper has seen them so for the grace
   * period. Ages are kept on the server's clock from when a pass first saw them, not read
   * from the store, whose clock may differ. Listing the store costs one pass over it; the
   * database is asked per batch.
   */
  private async sweepOrphanedBytes(): Promise<number> {
    const { clock, blobs } = this.deps;
    const now = clock.now();
    const seen = new Map<string, number>();
    /** Whether `name` has been seen unrecorded for the grace period; notes it as seen either way. */
    const due = (name: string) => {
      const since = this.unrecordedSince.get(name) ?? now;
      seen.set(name, since);
      return now - since >= ORPHAN_GRACE_MS;
    };
    let removed = 0;
    for await (const name of blobs.leftovers()) {
      if (!due(`leftover:${name}`)) continue;
      await blobs.removeLeftover(name);
      removed += 1;
    }
    let batch: string[] = [];
    const sweepBatch = async () => {
      const unrecorded = await this.unrecorded(batch);
      batch = [];
      removed += await this.removeUnrecorded(unrecorded.filter((key) => due(`blob:${key}`)));
    };
    for await (const key of blobs.list()) {
      batch.push(key);
      if (batch.length === SWEEP_BATCH) await sweepBatch();
    }
    await sweepBatch();
    this.unrecordedSince = seen;
    return removed;
  }

  /** Those of these blob keys that no row records. */
  private async unrecorded(keys: readonly string[]): Promise<string[]> {
    if (keys.length === 0) return [];
    const rows = await this.deps.db.selectFrom("blobs").select("sha256").where("sha256", "in", keys).execute();
    const recorded = new Set(rows.map((row) => row.sha256));
    return keys.filter((key) => !recorded.has(key));
  }

  /** Deletes these blobs unless a row records them by now; answers how many it deleted. */
  private async removeUnrecorded(keys: readonly string[]): Promise<number> {
    const { db, blobs } = this.deps;
    let removed = 0;
    for (const key of keys) {
      // Under the blob row's lock, as `deleteUploads` deletes: a concurrent upload of the same
      // bytes either recorded them first (they stay) or stores them anew after.
      const deleted = await db.transaction().execute(async (trx) => {
        await trx
          .insertInto("blobs")
          .values({ sha256: key, size: 0, ref_count: 0 })
          .onConflict((oc) => oc.column("sha256").doNothing())
          .execute();
        const { ref_count } = await trx
          .updateTable("blobs")
          .set((eb) => ({ ref_count: eb.ref("ref_count") }))
          .where("sha256", "=", key)
          .returning("ref_count")
          .executeTakeFirstOrThrow();
        if (ref_count > 0) return false;
        await trx.deleteFrom("blobs").where("sha256", "=", key).execute();
        await blobs.delete(key);
        return true;
      });
      if (deleted) removed += 1;
    }
    return removed;
  }

  /** Bytes left under the storage ceiling as `db` sees them (negative: beyond it); Infinity without one. */
  private async storageRoom(db: Kysely<Database>): Promise<number> {
    const { storageMaxBytes } = this.deps;
    if (storageMaxBytes === undefined) return Number.POSITIVE_INFINITY;
    const stored = (await readCounters(db, [STAT_COUNTERS.storedBytes])).get(STAT_COUNTERS.storedBytes) ?? 0;
    return storageMaxBytes - stored;
  }

  private storageFull(): NatterError {
    return new NatterError(
      "STORAGE_FULL",
      `The server's upload storage is full (at most ${this.deps.storageMaxBytes} bytes); ask an admin to make room`,
    );
  }

  /** Reads the source into the pending blob, checking every chunk on the way; at most `room` bytes. */
  private async receive(
    session: AuthSession,
    address: string,
    source: Readable,
    sink: NodeJS.WritableStream,
    room: number,
  ): Promise<{ sha256: string; size: number; header: ImageHeader }> {
    const { clock, quota, maxBytes } = this.deps;
    const hash = createHash("sha256");
    const sniffer = new ImageSniffer();
    let size = 0;
    // The store failing (a full disk, S3 refusing the bytes) ends the upload at the next chunk,
    // or while waiting for a drain, with a 500; unlistened, its error would end the process.
    let storeError: Error | undefined;
    sink.on("error", (error: Error) => {
      storeError ??= error;
    });
    // A refusal leaves the source open: the transport still answers on its connection.
    for await (const chunk of source.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      if (storeError) throw storeError;
      size += chunk.length;
      if (size > maxBytes) {
        throw new NatterError("PAYLOAD_TOO_LARGE", `An upload may hold at most ${maxBytes} bytes`);
      }
      if (size > room) throw this.storageFull();
      await quota.take(session.userId, address, chunk.length, clock.now());
      // Every chunk: a GIF frame larger than the limits may come late, and a broken structure anywhere.
      checkImage(sniffer.push(chunk));
      hash.update(chunk);
      if (!sink.write(chunk)) await once(sink, "drain");
    }
    sink.end();
    if (size === 0) throw new NatterError("EMPTY_UPLOAD", "The upload is empty");
    const sniffed = checkImage(sniffer.end());
    if (sniffed.state !== "image") throw notAnImage();
    return { sha256: hash.digest("hex"), size, header: sniffed.header };
  }

  private mayRead(session: AuthSession | null, row: Selectable<UploadsTable>): Promise<boolean> {
    const { db } = this.deps;
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

  private async avatarOf(db: Kysely<Database>, userId: string): Promise<string | null> {
    const row = await db.selectFrom("users").select("avatar_upload_id").where("id", "=", userId).executeTakeFirst();
    return row?.avatar_upload_id ?? null;
  }
}

/** Refuses a sniffed image whose dimensions are zero or absurd (a decompression bomb). */
function checkImage(result: SniffResult): SniffResult {
  if (result.state === "not-an-image") throw notAnImage();
  if (result.state !== "image") return result;
  const { width, height } = result.header;
  if (width < 1 || height < 1) throw notAnImage();
  if (width > LIMITS.imageSideMax || height > LIMITS.imageSideMax || width * height > LIMITS.imagePixelsMax) {
    throw new NatterError(
      "IMAGE_TOO_LARGE",
      `Images may be at most ${LIMITS.imageSideMax} pixels on a side and ${LIMITS.imagePixelsMax} pixels in all`,
    );
  }
  return result;
}

function notAnImage(): NatterError {
  return new NatterError("UNSUPPORTED_MEDIA_TYPE", "Only PNG, JPEG, GIF and WebP images may be uploaded");
}

function uploadNotFound(): NatterError {
  return new NatterError("UPLOAD_NOT_FOUND", "No such upload");
}

/**
 * The uploader's file name reduced to a harmless one: no directories, no control (C0, DEL,
 * C1) or quote characters, at most 100 characters; the extension is set from the sniffed type at serving.
 */
function cleanFilename(filename: string | null): string | null {
  if (filename === null) return null;
  const base = filename.split(/[\\/]/).pop() ?? "";
  // \p{Cc}: the C0 controls, DEL and the C1 controls (U+0080–U+009F), which some terminals obey.
  const clean = [...base.replace(/[\p{Cc}"\\;]/gu, "").trim()].slice(0, 100).join("");
  return clean === "" ? null : clean;
}
