import type { Readable, Writable } from "node:stream";

/** A byte range to read, both ends inclusive, as in an HTTP `Range` header. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Bytes being written: invisible until `commit`, gone after `discard`. */
export interface PendingBlob {
  /** Where the bytes go; end it before committing. */
  readonly stream: Writable;
  /**
   * Waits for the written bytes to be safe in the store, not yet visible. Slow work (sending
   * them over the network) happens here, outside any database transaction.
   */
  stage(): Promise<void>;
  /** Makes the staged bytes readable under `key`, atomically: readers see all of them or none. Quick. */
  commit(key: string): Promise<void>;
  /** Throws the bytes away (after a refusal or an abort). Safe to call more than once. */
  discard(): Promise<void>;
}

/**
 * Where uploaded bytes live, keyed by their SHA-256. Chosen once in the composition root:
 * a directory next to the database, or an S3-compatible bucket.
 */
export interface BlobStore {
  /**
   * Starts writing a new blob. `size` is the body's length when it is announced beforehand (a
   * raw request body's `Content-Length`): a store that needs lengths up front (S3) then streams
   * the bytes instead of buffering them, and refuses a body that ends short of it.
   */
  create(size?: number): Promise<PendingBlob>;
  /** Streams a blob's bytes, or the range of them. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** Deletes a blob; deleting a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Whether a blob is stored under `key`. */
  has(key: string): Promise<boolean>;
  /** The key of every whole blob stored, in no particular order, read page by page. */
  list(): AsyncIterable<string>;
  /** The names of bytes in transit (temporary files, staging objects): uploads in progress, or cut short by a crash. */
  leftovers(): AsyncIterable<string>;
  /** Deletes bytes in transit by the name `leftovers` gave; a missing one is not an error. */
  removeLeftover(name: string): Promise<void>;
  /** Releases what the store holds open. */
  close(): Promise<void>;
}
