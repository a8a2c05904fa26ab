import type { Readable } from "node:stream";
import type { Upload } from "@natter/shared";
import type { AuthSession } from "../../auth/auth-session.js";
import type { ByteRange } from "../../uploads/blob-store.js";
import { clearAvatar, setAvatar } from "./avatars.js";
import { type UploadContent, uploadContent } from "./upload-content.js";
import { UploadIngest, type UploadIngestDeps } from "./upload-ingest.js";
import { type SweepOutcome, UploadSweeper, type UploadSweeperDeps } from "./upload-sweeper.js";

/** What storing, serving and sweeping uploads need. */
export interface UploadsServiceDeps extends UploadIngestDeps, UploadSweeperDeps {}

/**
 * Images: stored as they stream in (sniffed, measured, hashed and counted against the
 * uploader's quota on the way), once per content; read back under the rules of where they
 * are attached; avatars; and the sweeper of uploads never attached. The work itself lives
 * beside this file: `upload-ingest.ts`, `upload-content.ts`, `avatars.ts`, `upload-sweeper.ts`.
 */
export class UploadsService {
  private readonly ingest: UploadIngest;
  private readonly sweeper: UploadSweeper;

  constructor(private readonly deps: UploadsServiceDeps) {
    this.ingest = new UploadIngest(deps);
    this.sweeper = new UploadSweeper(deps);
  }

  /**
   * Streams `source` into the blob store and records the upload. Refuses, as soon as the
   * bytes show it, anything but a PNG, JPEG, GIF or WebP (415), images of absurd dimensions
   * (400), more than `maxBytes` (413), bytes beyond the uploader's or their address's quota
   * (429) and bytes that would take storage beyond its ceiling (507); an empty body is 400.
   * Nothing of a refused or aborted upload stays behind. `declaredSize` is the body's length
   * when the request announced it, which lets the store stream without buffering.
   */
  store(
    session: AuthSession,
    address: string,
    source: Readable,
    filename: string | null,
    declaredSize?: number,
  ): Promise<Upload> {
    return this.ingest.store(session, address, source, filename, declaredSize);
  }

  /**
   * An upload's bytes for `session` (null: anonymous). Readable by whoever can read the
   * room of the message it is attached to, by any signed-in user if it is an avatar, and
   * by its uploader; to anyone else it does not exist.
   */
  content(session: AuthSession | null, uploadId: string): Promise<UploadContent> {
    return uploadContent(this.deps.db, session, uploadId);
  }

  /** Streams stored bytes (all, or a range). */
  read(sha256: string, range?: ByteRange): Promise<Readable> {
    return this.deps.blobs.read(sha256, range);
  }

  /**
   * Shows one of the caller's uploads as their avatar; the one it replaces is deleted. The
   * upload must not be attached to a message.
   */
  setAvatar(session: AuthSession, uploadId: string): Promise<void> {
    return setAvatar(this.deps, session, uploadId);
  }

  /** Removes the caller's avatar and deletes its upload. Without an avatar, does nothing. */
  clearAvatar(session: AuthSession): Promise<void> {
    return clearAvatar(this.deps, session);
  }

  /**
   * One pass of the sweeper: removes what a crash left in the blob store (bytes no row
   * references, bytes in transit), then deletes uploads attached to nothing (no message, no
   * avatar) for longer than the TTL, and their bytes when nothing else uses them. A pass
   * asked for while one runs is that one.
   */
  sweep(): Promise<SweepOutcome> {
    return this.sweeper.sweep();
  }
}
