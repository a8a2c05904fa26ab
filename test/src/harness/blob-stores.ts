import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
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
      stop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const s3rver = new S3rver({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory: join(dir, "s3rver"),
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await s3rver.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const credentials = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };
  const client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials });
  const incompleteUploads = () => {
    const uploads = join(dir, "s3rver", BUCKET, "._S3rver_uploads");
    return existsSync(uploads) ? readdirSync(uploads).map((id) => `multipart upload ${id}`) : [];
  };
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
    plantPartial: async (name, bytes) => {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `staging/${name}`, Body: bytes }));
    },
    // s3rver has no ListMultipartUploads: its incomplete uploads are read from its directory.
    partials: async () => [...(await list("staging/")), ...incompleteUploads()],
    stop: async () => {
      client.destroy();
      await s3rver.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
