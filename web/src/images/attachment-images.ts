import type { Attachment, NatterClient } from "@natter/client";

/** Images kept in memory at most; the oldest are released first. */
const CACHED_IMAGES_MAX = 200;

interface CachedImage {
  url: Promise<string>;
  /** Set once the bytes are in, so that the URL can be released. */
  objectUrl?: string;
}

/**
 * Attached images as `blob:` URLs. natter serves an upload's bytes only to whoever may read
 * the room it was sent to, and knows the reader by the `Authorization: Bearer` header,
 * which an `<img src>` cannot send (the token in the URL instead would end up in logs and
 * history). So the bytes are fetched with the header and shown from memory; the app's
 * Content-Security-Policy allows `img-src blob:` for that.
 */
export class AttachmentImages {
  readonly #client: NatterClient;
  readonly #cache = new Map<string, CachedImage>();

  constructor(client: NatterClient) {
    this.#client = client;
  }

  /** A URL an `<img>` can show the attachment from; the same one for every caller. */
  url(attachment: Attachment): Promise<string> {
    const cached = this.#cache.get(attachment.id);
    if (cached) return cached.url;
    const entry: CachedImage = { url: this.#fetch(attachment) };
    entry.url.then(
      (objectUrl) => {
        entry.objectUrl = objectUrl;
      },
      () => this.#cache.delete(attachment.id), // the next caller tries again
    );
    this.#cache.set(attachment.id, entry);
    this.#evict();
    return entry.url;
  }

  /** Releases every image (on log-out). */
  dispose(): void {
    for (const entry of this.#cache.values()) if (entry.objectUrl) URL.revokeObjectURL(entry.objectUrl);
    this.#cache.clear();
  }

  async #fetch(attachment: Attachment): Promise<string> {
    const token = this.#client.token;
    const response = await fetch(new URL(attachment.url, location.origin), {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    if (!response.ok) throw new Error(`The image could not be loaded (HTTP ${response.status})`);
    return URL.createObjectURL(await response.blob());
  }

  /** An `<img>` that already shows a released URL keeps its picture; only a new one would fetch again. */
  #evict(): void {
    for (const [id, entry] of this.#cache) {
      if (this.#cache.size <= CACHED_IMAGES_MAX) return;
      if (!entry.objectUrl) continue; // still loading: someone waits for it
      URL.revokeObjectURL(entry.objectUrl);
      this.#cache.delete(id);
    }
  }
}

/** A size within `maxWidth` × `maxHeight` with the image's proportions, in whole pixels. */
export function fitWithin(
  { width, height }: { width: number; height: number },
  maxWidth: number,
  maxHeight: number,
): { width: number; height: number } {
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}
