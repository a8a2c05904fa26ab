import type { IncomingMessage, ServerResponse } from "node:http";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type ApiKeyScope, NatterError } from "@natter/shared";
import busboy from "busboy";
import { requireScope } from "../auth/api-key-scopes.js";
import type { AuthSession } from "../auth/auth-session.js";
import { endedTokenError } from "../auth/ended-token-error.js";
import type { TrustedProxies } from "../config/trusted-proxies.js";
import type { UploadAdmission } from "../live/upload-admission.js";
import { requestClientAddress } from "../rate-limit/client-address.js";
import type { Services } from "../services/services.js";
import type { ByteRange } from "../uploads/blob-store.js";
import { bearerTokenOf } from "./bearer-token.js";
import { BASE_HEADERS, sendError, sendJson } from "./responses.js";
import { onlyMethods, refuseQuery } from "./route-guards.js";
import { type Route, route } from "./route-table.js";

/** Where images are uploaded; an upload's bytes are served below it, at `/{id}/content`. */
export const UPLOADS_PATH = "/api/v1/uploads";

/** How long a browser may keep an image without asking again: an upload's bytes never change. */
const CONTENT_MAX_AGE_SECONDS = 24 * 3600;

export interface UploadRoutesDeps {
  services: Services;
  /** The largest upload accepted, in bytes. */
  maxBytes: number;
  /** How many uploads may stream in at once, and how long one may idle. */
  admission: UploadAdmission;
  /** Proxies whose `X-Forwarded-For` per-address limits believe. */
  trustedProxies: TrustedProxies;
}

/**
 * The two paths of uploads that are not tRPC procedures: `POST /api/v1/uploads` (the image
 * as the body, or one `file` field of a multipart form) and `GET`/`HEAD
 * /api/v1/uploads/{id}/content`. Both read the body stream themselves; errors are answered
 * by the request handler like any other route's.
 */
export function uploadRoutes({ services, maxBytes, admission, trustedProxies }: UploadRoutesDeps): Route[] {
  const { accounts, uploads } = services;

  /** The caller; an API key must hold `scope` (none: no key may upload, as `users.setAvatar` takes none). */
  const session = async (req: IncomingMessage, scope: ApiKeyScope | undefined): Promise<AuthSession | null> => {
    const token = bearerTokenOf(req);
    if (token === undefined) return null;
    const found = await accounts.authenticate(token);
    if (!found) throw endedTokenError();
    requireScope(found, scope);
    return found;
  };

  const upload = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const caller = await session(req, undefined);
      if (!caller) throw new NatterError("UNAUTHENTICATED", "Sign in to upload");
      const declared = Number(req.headers["content-length"] ?? Number.NaN);
      // A body announced too large is refused before a byte of it is read.
      if (declared > maxBytes + MULTIPART_OVERHEAD_BYTES) throw tooLarge(maxBytes);
      const address = requestClientAddress(req, trustedProxies);
      const release = admission.admit(caller.userId, address);
      try {
        cutOffWhenIdle(req, res, admission.policy.idleTimeoutMs);
        const contentType = req.headers["content-type"] ?? "";
        const { source, filename, size } = /^multipart\/form-data\s*;/i.test(contentType)
          ? { ...(await multipartFile(req)), size: undefined }
          : { source: req as Readable, filename: null, size: Number.isSafeInteger(declared) ? declared : undefined };
        const result = await uploads.store(caller, address, source, filename, size);
        sendJson(res, 201, { upload: result }, { "Cache-Control": "no-store", Location: result.url });
      } finally {
        release();
      }
    } catch (error) {
      drainAfterRefusal(req, maxBytes);
      throw error;
    }
  };

  const content = async (req: IncomingMessage, res: ServerResponse, uploadId: string) => {
    const found = await uploads.content(await session(req, "messages:read"), uploadId);
    const etag = `"${found.sha256}"`;
    const headers: Record<string, string | number> = {
      ...BASE_HEADERS,
      "Content-Type": found.contentType,
      // Even a file that is also valid script or HTML can never run as a page from this URL.
      "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'",
      "Content-Disposition": contentDisposition(found.filename),
      "Cache-Control": `private, max-age=${CONTENT_MAX_AGE_SECONDS}, immutable`,
      ETag: etag,
      "Accept-Ranges": "bytes",
      Vary: "Authorization",
    };
    if (etagMatches(req.headers["if-none-match"], etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const ifRange = req.headers["if-range"];
    const range = ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, found.size) : undefined;
    if (range === "unsatisfiable") {
      sendError(
        res,
        { code: "RANGE_NOT_SATISFIABLE", message: `The upload holds ${found.size} bytes` },
        { "Content-Range": `bytes */${found.size}` },
      );
      return;
    }
    const status = range ? 206 : 200;
    headers["Content-Length"] = range ? range.end - range.start + 1 : found.size;
    if (range) headers["Content-Range"] = `bytes ${range.start}-${range.end}/${found.size}`;
    if (req.method === "HEAD") {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    const bytes = await uploads.read(found.sha256, range);
    res.writeHead(status, headers);
    await pipeline(bytes, res);
  };

  // Any method: the REST catch-all below /api/v1 would otherwise answer other methods with a 404.
  return [
    route("*", UPLOADS_PATH, (req, res, { search }) => {
      onlyMethods(req, ["POST"]);
      refuseQuery(search);
      return upload(req, res);
    }),
    route("*", `${UPLOADS_PATH}/:uploadId/content`, (req, res, { params, search }) => {
      onlyMethods(req, ["GET", "HEAD"]);
      refuseQuery(search);
      return content(req, res, params.uploadId ?? "");
    }),
  ];
}

/**
 * Cuts off an upload whose body stops sending for `idleTimeoutMs` (its bytes in transit are
 * removed with it). Once the body has all arrived (or the request is gone), the listener is
 * removed and the socket is given back the timeout Node keeps for a request being answered,
 * unless the answer is already out (Node has then set the keep-alive timeout, which stays): a
 * connection kept alive for later requests never carries an upload's timeout into them.
 */
function cutOffWhenIdle(req: IncomingMessage, res: ServerResponse, idleTimeoutMs: number): void {
  const socket = req.socket;
  const cutOff = () => req.destroy();
  req.setTimeout(idleTimeoutMs, cutOff);
  const done = () => {
    req.off("timeout", cutOff);
    req.off("end", done);
    req.off("close", done);
    if (!res.writableFinished && !socket.destroyed) {
      const server = (socket as { server?: { timeout?: number } }).server;
      socket.setTimeout(server?.timeout ?? 0);
    }
  };
  req.once("end", done);
  req.once("close", done);
}

/** What a multipart form may add around its file: boundaries, part headers, a few small fields. */
const MULTIPART_OVERHEAD_BYTES = 16 * 1024;

function tooLarge(maxBytes: number): NatterError {
  return new NatterError("PAYLOAD_TOO_LARGE", `An upload may hold at most ${maxBytes} bytes`);
}

/**
 * After an upload is refused before its end, reads and drops what the client still sends (up
 * to a bound) while the refusal is answered, so that the client reads the answer instead of
 * a reset connection.
 */
function drainAfterRefusal(req: IncomingMessage, maxBytes: number): void {
  if (req.complete || req.destroyed) return;
  let drained = 0;
  req.on("data", (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > 2 * maxBytes) req.destroy();
  });
  req.resume();
}

/**
 * The one file of a `multipart/form-data` body, from its `file` field. Other fields are
 * ignored (HTML forms send some); a form without a `file` field is refused. The file comes
 * through a stream of our own, listened to from the start, that ends only once the whole form
 * has: a form cut short ("Unexpected end of form"), inside the file or after it, fails it with
 * MALFORMED_REQUEST whenever its reader comes, never with an unlistened error that would end
 * the process.
 */
function multipartFile(req: IncomingMessage): Promise<{ source: Readable; filename: string | null }> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // Browsers send file names as raw UTF-8 in `filename="…"`; busboy's default is latin1.
        defParamCharset: "utf8",
        limits: { files: 1, fields: 20, fieldSize: 4096, parts: 30, headerPairs: 50 },
      });
    } catch {
      reject(new NatterError("MALFORMED_REQUEST", "The multipart form has no valid boundary"));
      return;
    }
    const malformed = (error: Error) =>
      error instanceof NatterError
        ? error
        : new NatterError("MALFORMED_REQUEST", `The multipart form is malformed: ${error.message}`);
    let found = false;
    parser.on("file", (name, stream, info) => {
      if (found || name !== "file") {
        stream.on("error", () => {});
        stream.resume();
        return;
      }
      found = true;
      const source = new PassThrough();
      // Kept for the reader: a destroyed stream hands its error to whoever iterates it later.
      source.on("error", () => {});
      stream.on("error", (error: Error) => source.destroy(malformed(error)));
      // The file ends when the whole form has: a form cut short after its file is refused too.
      stream.pipe(source, { end: false });
      parser.on("finish", () => source.end());
      parser.on("error", (error: Error) => source.destroy(malformed(error)));
      // A client that goes away mid-upload ends the file with an error, not a quiet end.
      req.once("aborted", () => stream.destroy(new Error("the client went away mid-upload")));
      resolve({ source, filename: info.filename ?? null });
    });
    parser.on("error", (error: Error) => reject(malformed(error)));
    parser.on("close", () => {
      if (!found)
        reject(
          new NatterError("VALIDATION_FAILED", "Input validation failed", {
            issues: [{ path: "file", message: "a multipart upload needs one `file` field" }],
          }),
        );
    });
    req.pipe(parser);
  });
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header === "*" || header.split(",").some((candidate) => candidate.trim().replace(/^W\//, "") === etag);
}

/**
 * One byte range of a `Range: bytes=…` header, within `size`. Several ranges, another unit
 * or a malformed header are ignored (the whole body is sent), as HTTP allows.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | "unsatisfiable" | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match) return undefined;
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size) return "unsatisfiable";
  if (end < start) return undefined;
  return { start, end };
}

/** `inline` with the file name in ASCII (anything else replaced) and in full as UTF-8. */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, "_");
  const utf8 = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `inline; filename="${ascii}"; filename*=UTF-8''${utf8}`;
}
