import type { NatterClient, Upload } from "@natter/client";
import { type Observable, observable } from "../state/observable.js";
import { uploadErrorText } from "./upload-error-text.js";

/** An image picked for the next message. */
export type DraftImage = {
  key: string;
  name: string;
  /** The picked file itself, shown while (and after) it uploads; null for a file that is no image. */
  previewUrl: string | null;
} & ({ state: "uploading" } | { state: "ready"; upload: Upload } | { state: "failed"; error: string });

/** natter attaches at most this many images to one message. */
const IMAGES_PER_MESSAGE_MAX = 10;

/**
 * The composer's images: each is uploaded as soon as it is picked, so that sending is one
 * call; a refusal stays on screen, in words, until the image is removed.
 */
export class DraftImages {
  readonly items: Observable<readonly DraftImage[]> = observable<readonly DraftImage[]>([]);
  readonly max = IMAGES_PER_MESSAGE_MAX;
  readonly #client: NatterClient;
  #nextKey = 0;

  constructor(client: NatterClient) {
    this.#client = client;
  }

  add(files: readonly File[]): void {
    const room = this.max - this.items.get().length;
    for (const file of files.slice(0, Math.max(0, room))) {
      const key = `draft-${this.#nextKey++}`;
      const name = file.name || "image";
      this.items.update((items) => [
        ...items,
        {
          key,
          name,
          previewUrl: file.type.startsWith("image/") ? URL.createObjectURL(file) : null,
          state: "uploading",
        },
      ]);
      this.#client.upload(file).then(
        (upload) => this.#settle(key, { state: "ready", upload }),
        (error: unknown) => this.#settle(key, { state: "failed", error: uploadErrorText(name, error) }),
      );
    }
  }

  remove(key: string): void {
    const image = this.items.get().find((item) => item.key === key);
    if (image?.previewUrl) URL.revokeObjectURL(image.previewUrl);
    this.items.update((items) => items.filter((item) => item.key !== key));
  }

  /** Forgets every image (after sending, or when the composer goes away). */
  clear(): void {
    for (const image of this.items.get()) if (image.previewUrl) URL.revokeObjectURL(image.previewUrl);
    this.items.set([]);
  }

  #settle(key: string, outcome: { state: "ready"; upload: Upload } | { state: "failed"; error: string }): void {
    const image = this.items.get().find((item) => item.key === key);
    // A refused file may not be a picture at all: its preview goes.
    if (outcome.state === "failed" && image?.previewUrl) URL.revokeObjectURL(image.previewUrl);
    const previewUrl = outcome.state === "failed" ? null : (image?.previewUrl ?? null);
    this.items.update((items) => items.map((item) => (item.key === key ? { ...item, ...outcome, previewUrl } : item)));
  }
}
