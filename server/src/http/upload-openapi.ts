import type { ErrorCode } from "@natter/shared";

/**
 * How the document refers to its parts, for the plain paths documented by hand; given by the
 * document so that error bodies look alike everywhere.
 */
export interface PlainPathDocumentParts {
  /** A `$ref` to a schema of the document's components. */
  ref: (name: string) => { $ref: string };
  /** The error responses of an operation that answers `codes`, keyed by status. */
  errorResponses: (codes: readonly ErrorCode[]) => Record<string, unknown>;
}
const BINARY = { type: "string", format: "binary" } as const;
const IMAGE_TYPES = ["image/png", "image/jpeg", "image/gif", "image/webp"] as const;

const UPLOAD_ERRORS: ErrorCode[] = [
  "INSUFFICIENT_SCOPE",
  "EMPTY_UPLOAD",
  "IMAGE_TOO_LARGE",
  "MALFORMED_REQUEST",
  "VALIDATION_FAILED",
  "UNAUTHENTICATED",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "RATE_LIMITED",
  "INTERNAL",
  "STORAGE_FULL",
];
const CONTENT_ERRORS: ErrorCode[] = [
  "INSUFFICIENT_SCOPE",
  "MALFORMED_REQUEST",
  "VALIDATION_FAILED",
  "UNAUTHENTICATED",
  "UPLOAD_NOT_FOUND",
  "RANGE_NOT_SATISFIABLE",
  "INTERNAL",
];

/**
 * The OpenAPI path items of the upload paths, which are plain HTTP routes rather than tRPC
 * procedures: the upload (a binary body or a multipart form) and the content URL.
 */
export function uploadPathItems({ ref, errorResponses }: PlainPathDocumentParts): Record<string, unknown> {
  const imageBody = Object.fromEntries(IMAGE_TYPES.map((type) => [type, { schema: BINARY }]));
  const contentHeaders = {
    ETag: { schema: { type: "string" }, description: "The SHA-256 of the bytes, quoted." },
    "Cache-Control": { schema: { type: "string" } },
    "Content-Disposition": { schema: { type: "string" } },
    "Content-Security-Policy": { schema: { type: "string" }, description: "`sandbox`: the bytes never run as a page." },
  };
  return {
    "/uploads": {
      post: {
        operationId: "uploads-create",
        tags: ["uploads"],
        summary: "Upload an image",
        description:
          "The body is the image itself, or a `multipart/form-data` form with one `file` field. PNG, JPEG, GIF and " +
          "WebP are accepted, decided from the bytes (the declared type and file name are not trusted). At most " +
          "`NATTER_UPLOAD_MAX_BYTES` (10 MiB by default; 413 beyond), at most 16384 pixels a side and 50 megapixels " +
          "(400 `IMAGE_TOO_LARGE`), within the account's and the client address's hourly byte allowances (429 with `Retry-After`), and " +
          "within the server's storage ceiling `NATTER_UPLOAD_STORAGE_MAX_BYTES` (507 `STORAGE_FULL` when the new " +
          "bytes would not fit). Attach the " +
          "upload to a message (`attachmentIds`) or make it your avatar within 24 hours, or it is deleted.",
        security: [{ bearerAuth: [] }],
        requestBody: {
          required: true,
          content: {
            ...imageBody,
            "application/octet-stream": { schema: BINARY },
            "multipart/form-data": {
              schema: { type: "object", required: ["file"], properties: { file: BINARY } },
              encoding: { file: { contentType: IMAGE_TYPES.join(", ") } },
            },
          },
        },
        responses: {
          "201": {
            description: "The upload; its `url` serves the bytes.",
            content: { "application/json": { schema: ref("UploadResult") } },
          },
          ...errorResponses(UPLOAD_ERRORS),
        },
      },
    },
    "/uploads/{uploadId}/content": {
      get: {
        operationId: "uploads-content",
        tags: ["uploads"],
        summary: "An upload's bytes",
        description:
          "Readable by whoever can read the room of the message it is attached to (anyone for an open room), by any " +
          "signed-in user for an avatar, and by its uploader; to anyone else it does not exist (404). One `Range` " +
          "works (206); `If-None-Match` with the `ETag` answers 304. `HEAD` answers the same headers.",
        security: [{}, { bearerAuth: [] }],
        parameters: [
          { name: "uploadId", in: "path", required: true, schema: { type: "string" } },
          { name: "Range", in: "header", required: false, schema: { type: "string", example: "bytes=0-1023" } },
          { name: "If-None-Match", in: "header", required: false, schema: { type: "string" } },
        ],
        responses: {
          "200": {
            description: "The bytes, with the sniffed image type.",
            headers: contentHeaders,
            content: Object.fromEntries(IMAGE_TYPES.map((type) => [type, { schema: BINARY }])),
          },
          "206": {
            description: "The requested range of the bytes.",
            headers: { ...contentHeaders, "Content-Range": { schema: { type: "string" } } },
            content: Object.fromEntries(IMAGE_TYPES.map((type) => [type, { schema: BINARY }])),
          },
          "304": { description: "Unchanged: the `If-None-Match` ETag matches." },
          ...errorResponses(CONTENT_ERRORS),
        },
      },
    },
  };
}
