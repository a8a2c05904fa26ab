import { PassThrough, Readable, Writable } from "node:stream";
import { finished } from "node:stream/promises";
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  NotFound,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { uuidV7 } from "@natter/db";
import type { BlobStore, ByteRange, PendingBlob } from "./blob-store.js";

/** Where an S3-compatible bucket is and how to sign in to it. */
export interface S3Settings {
  /** The service's URL, such as `https://s3.eu-west-1.amazonaws.com` or a MinIO server. */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const BLOB_PREFIX = "blobs/";
const STAGING_PREFIX = "staging/";
/** Joins a staging key and the id of an incomplete multipart upload to it in a leftover's name. */
const UPLOAD_ID_MARK = "?uploadId=";
/** S3's smallest part of a multipart upload but the last: what a body of unknown length is buffered by. */
const PART_BYTES = 5 * 1024 * 1024;
/** The most one PutObject may carry. */
const MAX_PUT_BYTES = 5 * 1024 * 1024 * 1024;

/** Bytes on their way to a staging object. */
interface Transfer {
  /** Where the bytes go. */
  readonly stream: Writable;
  /** Settles once the bytes are a whole object at the staging key. */
  done(): Promise<void>;
  /** Stops the transfer; what S3 holds of it, short of a complete object, is dropped (or left to the sweeper). */
  cancel(): Promise<void>;
}

/**
 * Blobs as objects of an S3-compatible bucket, under `blobs/<sha256>`. The bytes stream
 * straight from the request to `staging/<id>`, nothing on local disk: in one PutObject when
 * the body's length is announced (no buffering at all), else through lib-storage's `Upload`
 * in parts of 5 MiB (S3's least), one part in memory at a time, or one PutObject if the
 * whole body fits in a part. Commit copies the staging object into place, so `blobs/` only ever holds
 * whole objects; the staging object is deleted after. An interrupted PutObject leaves
 * nothing; an interrupted multipart upload is aborted, and one a crash left is listed among
 * the leftovers for the sweeper.
 */
export class S3BlobStore implements BlobStore {
  private constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  /** Opens the store. */
  static async open(settings: S3Settings): Promise<S3BlobStore> {
    const client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      // Path-style addressing works with every S3-compatible server, not only AWS.
      forcePathStyle: true,
      // Checksums only where S3 requires them: many compatible servers reject the newer headers.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
    return new S3BlobStore(client, settings.bucket);
  }

  async create(size?: number): Promise<PendingBlob> {
    const { client, bucket } = this;
    const stagingKey = `${STAGING_PREFIX}${uuidV7(Date.now())}`;
    const transfer =
      size !== undefined && size <= MAX_PUT_BYTES ? this.streamedPut(stagingKey, size) : this.partsUpload(stagingKey);
    let discarded: Promise<void> | undefined;
    const discard = () => {
      discarded ??= (async () => {
        await transfer.cancel();
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: stagingKey }));
      })();
      return discarded;
    };
    return {
      stream: transfer.stream,
      stage: () => transfer.done(),
      commit: async (key) => {
        await client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: BLOB_PREFIX + checkedKey(key),
            CopySource: `${bucket}/${stagingKey}`,
          }),
        );
      },
      discard,
    };
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const object = await this.client.send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: BLOB_PREFIX + checkedKey(key),
        ...(range && { Range: `bytes=${range.start}-${range.end}` }),
      }),
    );
    if (!(object.Body instanceof Readable)) throw new Error("S3 answered without a body stream");
    return object.Body;
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: BLOB_PREFIX + checkedKey(key) }));
  }

  async has(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: BLOB_PREFIX + checkedKey(key) }));
      return true;
    } catch (error) {
      if (error instanceof NotFound) return false;
      throw error;
    }
  }

  async *list(): AsyncIterable<string> {
    for await (const key of this.keys(BLOB_PREFIX)) if (KEY.test(key)) yield key;
  }

  /** Staging objects, then incomplete multipart uploads to staging keys (`<id>?uploadId=<upload id>`). */
  async *leftovers(): AsyncIterable<string> {
    yield* this.keys(STAGING_PREFIX);
    yield* this.incompleteUploads();
  }

  async removeLeftover(name: string): Promise<void> {
    const mark = name.indexOf(UPLOAD_ID_MARK);
    if (mark === -1) {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: STAGING_PREFIX + name }));
      return;
    }
    await this.client.send(
      new AbortMultipartUploadCommand({
        Bucket: this.bucket,
        Key: STAGING_PREFIX + name.slice(0, mark),
        UploadId: name.slice(mark + UPLOAD_ID_MARK.length),
      }),
    );
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** A body of announced length, streamed in one PutObject as it is written. */
  private streamedPut(key: string, size: number): Transfer {
    const abort = new AbortController();
    const body = new PassThrough();
    // The SDK's failures arrive through `sent`; the body's own error would only repeat them.
    body.on("error", () => {});
    let written = 0;
    const sent = this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: size }),
      { abortSignal: abort.signal },
    );
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        written += chunk.length;
        if (written > size) callback(new Error(`more bytes than the ${size} announced`));
        else if (body.write(chunk)) callback();
        else body.once("drain", () => callback());
      },
      final(callback) {
        // A body shorter than announced would leave S3 waiting for the rest.
        if (written !== size) return callback(new Error(`${written} bytes of the ${size} announced`));
        body.end();
        callback();
      },
    });
    // S3 refusing mid-way ends the writing too, rather than leaving the writer waiting for a drain.
    sent.catch((error: unknown) => stream.destroy(error as Error));
    return {
      stream,
      done: async () => {
        await finished(stream);
        await sent;
      },
      cancel: async () => {
        // A body handed over whole may be stored despite an abort: it is let finish, then deleted.
        if (written === size) {
          body.end();
        } else {
          stream.destroy();
          body.destroy();
          abort.abort();
        }
        await sent.catch(() => undefined);
      },
    };
  }

  /**
   * A body of unknown length, through lib-storage's `Upload`: one PutObject if it ends within
   * the first part, else a multipart upload, one part in memory at a time (the writer waits
   * while a part is sent); a failed or aborted multipart upload is aborted on S3 too.
   */
  private partsUpload(key: string): Transfer {
    const body = new PassThrough();
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: body },
      partSize: PART_BYTES,
      queueSize: 1,
      leavePartsOnError: false,
    });
    const sent = upload.done();
    // S3 refusing mid-way ends the writing too, rather than leaving the writer waiting for a drain.
    sent.catch((error: unknown) => body.destroy(error as Error));
    let ending = false;
    body.once("finish", () => {
      ending = true;
    });
    return {
      stream: body,
      done: async () => {
        await sent;
      },
      cancel: async () => {
        // Once the body has ended, its last requests are let finish (a whole one may be stored despite an abort).
        if (!ending) {
          body.destroy();
          await upload.abort();
        }
        // An upload S3 could not abort stays listed among the leftovers, for the sweeper.
        await sent.catch(() => undefined);
      },
    };
  }

  /** The keys below `prefix` (without it), a page of at most 1,000 at a time. */
  private async *keys(prefix: string): AsyncIterable<string> {
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken }),
      );
      for (const { Key } of page.Contents ?? []) if (Key?.startsWith(prefix)) yield Key.slice(prefix.length);
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
  }

  /**
   * Multipart uploads to staging keys neither completed nor aborted, as leftover names. A
   * server without ListMultipartUploads (s3rver answers NotImplemented) has none to show.
   */
  private async *incompleteUploads(): AsyncIterable<string> {
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (;;) {
      let page: Awaited<ReturnType<typeof this.listUploads>>;
      try {
        page = await this.listUploads(KeyMarker, UploadIdMarker);
      } catch (error) {
        if (error instanceof Error && error.name === "NotImplemented") return;
        throw error;
      }
      for (const { Key, UploadId } of page.Uploads ?? []) {
        if (Key?.startsWith(STAGING_PREFIX) && UploadId) {
          yield `${Key.slice(STAGING_PREFIX.length)}${UPLOAD_ID_MARK}${UploadId}`;
        }
      }
      if (!page.IsTruncated) return;
      KeyMarker = page.NextKeyMarker;
      UploadIdMarker = page.NextUploadIdMarker;
    }
  }

  private listUploads(KeyMarker: string | undefined, UploadIdMarker: string | undefined) {
    return this.client.send(
      new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: STAGING_PREFIX, KeyMarker, UploadIdMarker }),
    );
  }
}

const KEY = /^[0-9a-f]{64}$/;

function checkedKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`not a blob key: ${key}`);
  return key;
}
