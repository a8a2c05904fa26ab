import { createReadStream, createWriteStream } from "node:fs";
import { access, mkdir, readdir, rename, rm } from "node:fs/promises";
import { basename, join } from "node:path";
import type { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { uuidV7 } from "@natter/db";
import type { BlobStore, ByteRange, PendingBlob } from "./blob-store.js";

/**
 * Blobs as files in one directory: `<dir>/<aa>/<sha256>`. New bytes are written to
 * `<dir>/tmp/` and renamed into place on commit, so no reader (and no restart after a
 * crash) ever sees a half-written file; leftovers in `tmp/` are removed at start.
 */
export class DirectoryBlobStore implements BlobStore {
  private constructor(private readonly dir: string) {}

  /** Opens the store, creating the directory and clearing what a crash left in `tmp/`. */
  static async open(dir: string): Promise<DirectoryBlobStore> {
    await rm(join(dir, "tmp"), { recursive: true, force: true });
    await mkdir(join(dir, "tmp"), { recursive: true });
    return new DirectoryBlobStore(dir);
  }

  async create(): Promise<PendingBlob> {
    const tempPath = join(this.dir, "tmp", uuidV7(Date.now()));
    const stream = createWriteStream(tempPath, { flags: "wx", flush: true });
    const discard = async () => {
      stream.destroy();
      await finished(stream).catch(() => undefined);
      await rm(tempPath, { force: true });
    };
    return {
      stream,
      stage: async () => {
        await finished(stream);
      },
      commit: async (key) => {
        const path = this.pathOf(key);
        await mkdir(join(path, ".."), { recursive: true });
        await rename(tempPath, path);
      },
      discard,
    };
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const stream = createReadStream(this.pathOf(key), range);
    // Open errors (a missing file) surface here rather than mid-response.
    await new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", reject);
    });
    return stream;
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async has(key: string): Promise<boolean> {
    return access(this.pathOf(key)).then(
      () => true,
      () => false,
    );
  }

  async *list(): AsyncIterable<string> {
    for (const shard of await readdir(this.dir)) {
      if (!SHARD.test(shard)) continue;
      for (const key of await readdir(join(this.dir, shard))) if (KEY.test(key)) yield key;
    }
  }

  async *leftovers(): AsyncIterable<string> {
    yield* await readdir(join(this.dir, "tmp"));
  }

  async removeLeftover(name: string): Promise<void> {
    if (basename(name) !== name) throw new Error(`not a leftover: ${name}`);
    await rm(join(this.dir, "tmp", name), { force: true });
  }

  async close(): Promise<void> {}

  private pathOf(key: string): string {
    return blobPathOf(this.dir, key);
  }
}

/** Where a directory store keeps the blob `key`: `<dir>/<aa>/<sha256>`. */
export function blobPathOf(dir: string, key: string): string {
  if (!KEY.test(key)) throw new Error(`not a blob key: ${key}`);
  return join(dir, key.slice(0, 2), key);
}

const KEY = /^[0-9a-f]{64}$/;
const SHARD = /^[0-9a-f]{2}$/;
