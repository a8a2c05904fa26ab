/** The parts of s3rver (no types of its own) the tests and the bench use. */
declare module "s3rver" {
  import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
  import type { AddressInfo } from "node:net";
  import type { Readable } from "node:stream";

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    configureBuckets?: { name: string; configs?: string[] }[];
  }

  /** The parts of a Koa context the harness's additions to s3rver read and write. */
  interface S3rverContext {
    method: string;
    path: string;
    headers: IncomingHttpHeaders;
    /** The request; what s3rver reads an object's or a part's bytes from. */
    req: IncomingMessage | Readable;
    query: Record<string, string | string[] | undefined>;
    status: number;
    type: string;
    body: unknown;
  }

  /** An object as s3rver's store takes it. */
  interface S3rverObject {
    bucket: string;
    key: string;
    content: Buffer | Readable;
    metadata: Record<string, string>;
  }

  /** The parts of s3rver's filesystem store the harness replaces. */
  interface S3rverStore {
    getResourcePath(bucket: string, key: string, resourceType: string): string;
    putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
    putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
    putPart(
      bucket: string,
      uploadId: string,
      partNumber: number,
      content: Readable,
    ): Promise<{ size: number; md5: string }>;
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    store: S3rverStore;
    /** Koa's middleware list (s3rver is a Koa application): what runs before its router. */
    middleware: ((ctx: S3rverContext, next: () => Promise<void>) => Promise<void>)[];
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
