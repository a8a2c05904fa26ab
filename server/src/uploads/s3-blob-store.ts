import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NotFound,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
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

/**
 * Blobs as objects of an S3-compatible bucket, under `blobs/<sha256>`. S3 needs an object's
 * length before its bytes, and an upload's length is known only at its end: the bytes are
 * spooled to a local temporary file (memory stays flat), sent to `staging/<id>` once
 * complete, and copied into place on commit, so `blobs/` only ever holds whole objects.
 */
export class S3BlobStore implements BlobStore {
  private constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly spoolDir: string,
  ) {}

  /** Opens the store; `spoolDir` is a local directory for bytes in transit, cleared here of what a crash left. */
  static async open(settings: S3Settings, spoolDir: string): Promise<S3BlobStore> {
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
    await rm(spoolDir, { recursive: true, force: true });
    await mkdir(spoolDir, { recursive: true });
    return new S3BlobStore(client, settings.bucket, spoolDir);
  }

  async create(): Promise<PendingBlob> {
    const { client, bucket } = this;
    const spoolPath = join(this.spoolDir, uuidV7(Date.now()));
    const stagingKey = `${STAGING_PREFIX}${uuidV7(Date.now())}`;
    const stream = createWriteStream(spoolPath, { flags: "wx" });
    let staged = false;
    const discard = async () => {
      stream.destroy();
      await finished(stream).catch(() => undefined);
      await rm(spoolPath, { force: true });
      if (staged) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: stagingKey }));
      staged = false;
    };
    return {
      stream,
      stage: async () => {
        await finished(stream);
        const { size } = await stat(spoolPath);
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: stagingKey,
            Body: createReadStream(spoolPath),
            ContentLength: size,
          }),
        );
        staged = true;
        await rm(spoolPath, { force: true });
      },
      commit: async (key) => {
        await client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: BLOB_PREFIX + checkedKey(key),
            CopySource: `${bucket}/${stagingKey}`,
          }),
        );
        await discard();
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

  leftovers(): AsyncIterable<string> {
    return this.keys(STAGING_PREFIX);
  }

  async removeLeftover(name: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: STAGING_PREFIX + name }));
  }

  async close(): Promise<void> {
    this.client.destroy();
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
}

const KEY = /^[0-9a-f]{64}$/;

function checkedKey(key: string): string {
  if (!KEY.test(key)) throw new Error(`not a blob key: ${key}`);
  return key;
}
