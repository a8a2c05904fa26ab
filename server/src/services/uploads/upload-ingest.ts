import { createHash } from "node:crypto";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { bumpCounters, type Database, readCounters, STAT_COUNTERS, type UploadsTable, uuidV7 } from "@natter/db";
import { LIMITS, NatterError, type Upload } from "@natter/shared";
import type { Kysely, Selectable } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { type Clock, toTimestamp } from "../../clock/clock.js";
import type { BlobStore } from "../../uploads/blob-store.js";
import { type ImageHeader, ImageSniffer, type SniffResult } from "../../uploads/image-sniffer.js";
import type { UploadQuota } from "../../uploads/upload-quota.js";
import { toUpload } from "../message-rows/attachments.js";

/** What storing an upload needs (see `UploadsServiceDeps`). */
export interface UploadIngestDeps {
  db: Kysely<Database>;
  clock: Clock;
  blobs: BlobStore;
  quota: UploadQuota;
  /** The largest upload accepted, in bytes. */
  maxBytes: number;
  /** The most bytes all uploads may take in storage (each distinct content once); none when undefined. */
  storageMaxBytes?: number | undefined;
}

/**
 * Images stored as they stream in: sniffed, measured, hashed and counted against the
 * uploader's quota on the way, once per content, within the storage ceiling.
 */
export class UploadIngest {
  constructor(private readonly deps: UploadIngestDeps) {}

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
