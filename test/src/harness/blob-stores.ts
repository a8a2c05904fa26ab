import { createHash } from "node:crypto";
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { mkdir } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  CreateMultipartUploadCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { ConfigInput } from "natter";
import S3rver from "s3rver";

/** The two places natter can keep uploads; upload tests run once against each. */
export const BLOB_STORE_KINDS = ["directory", "s3"] as const;
export type BlobStoreKind = (typeof BLOB_STORE_KINDS)[number];

/** A blob store for one test file, and a look inside it that does not go through natter. */
export interface BlobStoreFixture {
  kind: BlobStoreKind;
  /** The server settings that select this store. */
  config: ConfigInput;
  /** The keys of the complete blobs stored. */
  blobKeys(): Promise<string[]>;
  /** Bytes being written or left half-written (temporary files, staging objects). */
  partials(): Promise<string[]>;
  /** Stores `bytes` under `key` behind natter's back, as a crash before recording them leaves them. */
  plant(key: string, bytes: Buffer): Promise<void>;
  /** Leaves bytes in transit named `name` behind natter's back, as a crash mid-upload does. */
  plantPartial(name: string, bytes: Buffer): Promise<void>;
  /** How many requests the store has refused so far (S3: answers of 400 and above; a directory refuses none). */
  refusals(): number;
  stop(): Promise<void>;
}

const BUCKET = "natter-test-uploads";

/** A directory, or a real S3-compatible server (s3rver) on an ephemeral port with an empty bucket. */
export async function startBlobStore(kind: BlobStoreKind): Promise<BlobStoreFixture> {
  const dir = mkdtempSync(join(tmpdir(), `natter-blobs-${kind}-`));
  if (kind === "directory") {
    const files = (sub: string) => readdirSync(join(dir, sub), { recursive: true, withFileTypes: true });
    return {
      kind,
      config: { uploadsDir: dir },
      blobKeys: async () =>
        readdirSync(dir)
          .filter((name) => name !== "tmp")
          .flatMap((sub) => files(sub).map((entry) => entry.name)),
      partials: async () => readdirSync(join(dir, "tmp")),
      plant: async (key, bytes) => {
        mkdirSync(join(dir, key.slice(0, 2)), { recursive: true });
        writeFileSync(join(dir, key.slice(0, 2), key), bytes);
      },
      plantPartial: async (name, bytes) => writeFileSync(join(dir, "tmp", name), bytes),
      refusals: () => 0,
      stop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const s3rverDir = join(dir, "s3rver");
  const s3rver = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: s3rverDir,
    configureBuckets: [{ name: BUCKET }],
  });
  writtenBeforeAnswered(s3rver.store);
  s3rver.middleware.unshift(multipartUploadListing(join(s3rverDir, BUCKET, "._S3rver_uploads")));
  let refusals = 0;
  s3rver.middleware.unshift(async (ctx, next) => {
    try {
      await next();
    } finally {
      if (ctx.status >= 400) refusals += 1;
    }
  });
  const putsUnderWay = new Set<string>();
  s3rver.middleware.unshift(wholeBodyPuts(putsUnderWay));
  const { port } = await s3rver.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
  const client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials });
  // Read from s3rver's directory, not through the listing added to it below.
  const incompleteUploads = () =>
    incompleteUploadsIn(join(s3rverDir, BUCKET, "._S3rver_uploads")).map(({ key }) => key.slice("staging/".length));
  const list = async (prefix: string) => {
    const { Contents = [] } = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return Contents.map((object) => (object.Key ?? "").slice(prefix.length));
  };
  return {
    kind,
    config: {
      s3Endpoint: endpoint,
      s3Bucket: BUCKET,
      s3Region: "us-east-1",
      s3AccessKeyId: credentials.accessKeyId,
      s3SecretAccessKey: credentials.secretAccessKey,
    },
    blobKeys: () => list("blobs/"),
    plant: async (key, bytes) => {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `blobs/${key}`, Body: bytes }));
    },
    // A staging object (a crash between sending the bytes and copying them into place), and an
    // incomplete multipart upload to the same key (a crash while a large body streamed in).
    plantPartial: async (name, bytes) => {
      const Key = `staging/${name}`;
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body: bytes }));
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key }));
      await client.send(new UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: 1, Body: bytes }));
    },
    // s3rver has no ListMultipartUploads: its incomplete uploads are read from its directory.
    partials: async () => [...putsUnderWay, ...(await list("staging/")), ...incompleteUploads()],
    refusals: () => refusals,
    stop: async () => {
      client.destroy();
      await s3rver.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Makes s3rver store a PUT's bytes (an object or a part) only once they have all arrived, as
 * S3 does: s3rver itself writes them to the object's file as they come and leaves that file,
 * cut short, when the client goes away (even after the client's DeleteObject, if that came
 * first). The test bucket's PUTs under `staging/` are named in `underWay` while they arrive.
 */
function wholeBodyPuts(underWay: Set<string>): S3rver["middleware"][number] {
  return async (ctx, next) => {
    const [, bucket = "", ...keyParts] = ctx.path.split("/");
    const key = decodeURIComponent(keyParts.join("/"));
    if (bucket !== BUCKET || key === "" || ctx.method !== "PUT" || ctx.headers["x-amz-copy-source"]) return next();
    const name = key.startsWith("staging/") && !("uploadId" in ctx.query) ? key.slice("staging/".length) : undefined;
    if (name !== undefined) underWay.add(name);
    const request = ctx.req as IncomingMessage;
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of request) chunks.push(chunk as Buffer);
    } catch {
      // The client went away: `complete` below says so.
    } finally {
      if (name !== undefined) underWay.delete(name);
    }
    // The client went away: nothing is stored, nothing answered.
    if (!request.complete) return;
    ctx.req = Readable.from(Buffer.concat(chunks));
    await next();
  };
}

/**
 * Makes s3rver answer a PUT of an object or of a part only once its file is written, as S3
 * does. s3rver 3.7 answers as soon as the bytes have passed its checksum, while its file
 * stream may still be writing them: a CopyObject, a GetObject or a multipart completion right
 * after then reads the file cut short (a CI run under load served 8 of an upload's 11 MiB,
 * then hung up).
 */
function writtenBeforeAnswered(store: S3rver["store"]): void {
  store.putObject = async (object) => {
    const content = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
    const written = await writeCounted(content, store.getResourcePath(object.bucket, object.key, "object"));
    await store.putMetadata(object.bucket, object.key, object.metadata, written.md5);
    return written;
  };
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const partPath = join(store.getResourcePath(bucket, "", "uploads"), uploadId, String(partNumber));
    const written = await writeCounted(content, partPath);
    writeFileSync(`${partPath}.md5`, written.md5);
    return written;
  };
}

/** Writes `content` to the file at `path` and answers its size and MD5 once the file is closed. */
async function writeCounted(content: Readable, path: string): Promise<{ size: number; md5: string }> {
  await mkdir(dirname(path), { recursive: true });
  const md5 = createHash("md5");
  let size = 0;
  await pipeline(
    content,
    new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    }),
    createWriteStream(path),
  );
  return { size, md5: md5.digest("hex") };
}

/** s3rver's incomplete multipart uploads, from the directory it keeps them in (`<upload id>/key`). */
function incompleteUploadsIn(uploadsDir: string): { uploadId: string; key: string }[] {
  if (!existsSync(uploadsDir)) return [];
  return readdirSync(uploadsDir).map((uploadId) => ({
    uploadId,
    key: readFileSync(join(uploadsDir, uploadId, "key"), "utf8"),
  }));
}

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * The two calls on incomplete multipart uploads that s3rver 3.7 lacks (it answers
 * ListMultipartUploads with NotImplemented and AbortMultipartUpload with 405), added in front
 * of its router over the directory where it keeps them: `GET /<bucket>?uploads&prefix=` lists
 * them (one page), `DELETE /<bucket>/<key>?uploadId=` removes one. Everything else is s3rver's.
 */
function multipartUploadListing(uploadsDir: string): S3rver["middleware"][number] {
  return async (ctx, next) => {
    const [, bucket = "", ...keyParts] = ctx.path.split("/");
    const key = decodeURIComponent(keyParts.join("/"));
    if (bucket === BUCKET && key === "" && ctx.method === "GET" && "uploads" in ctx.query) {
      const prefix = typeof ctx.query.prefix === "string" ? ctx.query.prefix : "";
      const uploads = incompleteUploadsIn(uploadsDir).filter((upload) => upload.key.startsWith(prefix));
      ctx.type = "application/xml";
      ctx.body =
        `<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>${bucket}</Bucket>` +
        `<Prefix>${escapeXml(prefix)}</Prefix><IsTruncated>false</IsTruncated>` +
        uploads
          .map(({ uploadId, key }) => `<Upload><Key>${escapeXml(key)}</Key><UploadId>${uploadId}</UploadId></Upload>`)
          .join("") +
        "</ListMultipartUploadsResult>";
      return;
    }
    const uploadId = ctx.query.uploadId;
    if (bucket === BUCKET && key !== "" && ctx.method === "DELETE" && typeof uploadId === "string") {
      const upload = incompleteUploadsIn(uploadsDir).find((found) => found.uploadId === uploadId && found.key === key);
      if (!upload) {
        ctx.status = 404;
        ctx.type = "application/xml";
        ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code></Error>';
        return;
      }
      rmSync(join(uploadsDir, uploadId), { recursive: true, force: true });
      ctx.status = 204;
      return;
    }
    await next();
  };
}
