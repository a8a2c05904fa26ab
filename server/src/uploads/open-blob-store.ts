import { dirname, join, resolve } from "node:path";
import type { Config } from "../config/config.js";
import type { BlobStore } from "./blob-store.js";
import { DirectoryBlobStore } from "./directory-blob-store.js";

/** The blob store the configuration names: an S3-compatible bucket if one is set, else the uploads directory. */
export async function openBlobStore(config: Config): Promise<BlobStore> {
  const { s3Endpoint, s3Bucket, s3Region, s3AccessKeyId, s3SecretAccessKey } = config;
  if (s3Endpoint !== undefined && s3Bucket && s3AccessKeyId && s3SecretAccessKey) {
    // Loaded only here: the AWS SDK is larger than the rest of the server and slows every start.
    const { S3BlobStore } = await import("./s3-blob-store.js");
    return S3BlobStore.open({
      endpoint: s3Endpoint,
      bucket: s3Bucket,
      region: s3Region,
      accessKeyId: s3AccessKeyId,
      secretAccessKey: s3SecretAccessKey,
    });
  }
  return DirectoryBlobStore.open(uploadsDirOf(config));
}

/** The uploads directory of the configuration (whether or not an S3 bucket is used instead). */
export function uploadsDirOf(config: Config): string {
  return resolve(config.uploadsDir ?? defaultUploadsDir(config.databaseUrl));
}

/** `uploads/` beside a SQLite file; `./data/uploads` for anything else. */
function defaultUploadsDir(databaseUrl: string): string {
  const path = databaseUrl.replace(/^file:/, "");
  if (path === ":memory:" || /^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return join("data", "uploads");
  return join(dirname(path), "uploads");
}
