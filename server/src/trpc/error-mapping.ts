import { ERROR_HTTP_STATUS, type ErrorBody, type ErrorCode, NatterError } from "@natter/shared";
import { TRPCError } from "@trpc/server";
import { type TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import { unavailableError } from "./unavailable-error.js";
import { type SchemaIssue, validationFailed } from "./validation-failed.js";

const TRPC_CODE_BY_STATUS: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_SUPPORTED",
  409: "CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "TOO_MANY_REQUESTS",
  500: "INTERNAL_SERVER_ERROR",
  503: "SERVICE_UNAVAILABLE",
};

/** Our codes for the errors tRPC and trpc-to-openapi raise themselves. */
const CODE_BY_TRPC_CODE: Partial<Record<TRPC_ERROR_CODE_KEY, ErrorCode>> = {
  PARSE_ERROR: "MALFORMED_REQUEST",
  BAD_REQUEST: "MALFORMED_REQUEST",
  UNAUTHORIZED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  METHOD_NOT_SUPPORTED: "METHOD_NOT_ALLOWED",
  CONFLICT: "CONFLICT",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  UNSUPPORTED_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  TOO_MANY_REQUESTS: "RATE_LIMITED",
  SERVICE_UNAVAILABLE: "BUSY",
};

/**
 * Messages of our own for request errors whose library wording is unhelpful. A malformed
 * request that is not a JSON syntax error (a batch too large, a bad path) keeps tRPC's words.
 */
const FIXED_MESSAGES: Partial<Record<ErrorCode, string>> = {
  UNSUPPORTED_MEDIA_TYPE: "Send the body as JSON with Content-Type: application/json",
  PAYLOAD_TOO_LARGE: "The request body is too large",
};

/** The tRPC code that stands for one of our codes, by the HTTP status they share. */
export function trpcCodeFor(code: ErrorCode): TRPC_ERROR_CODE_KEY {
  return TRPC_CODE_BY_STATUS[ERROR_HTTP_STATUS[code]] ?? "INTERNAL_SERVER_ERROR";
}

/** The tRPC error that carries a NatterError with the right status. */
export function toTRPCError(error: NatterError): TRPCError {
  return new TRPCError({
    code: trpcCodeFor(error.code),
    message: error.message,
    cause: error,
  });
}

/**
 * The HTTP headers an error travels with, on REST and tRPC alike: every 401 names the scheme
 * to authenticate with, and a refusal for rate (or a busy database) says when to retry.
 */
export function errorHeaders(body: ErrorBody): Record<string, string> {
  const headers: Record<string, string> = {};
  if (ERROR_HTTP_STATUS[body.code] === 401) headers["WWW-Authenticate"] = 'Bearer realm="natter"';
  if (body.retryAfterSeconds !== undefined) headers["Retry-After"] = String(body.retryAfterSeconds);
  return headers;
}

/**
 * The tRPC error shape of one of our errors, on HTTP and WebSocket alike: the tRPC code
 * follows our code, and `data.error` is the body REST callers get.
 */
export function trpcErrorShape(body: ErrorBody, path?: string) {
  const code = trpcCodeFor(body.code);
  return {
    message: body.message,
    code: TRPC_ERROR_CODES_BY_KEY[code],
    data: { code, httpStatus: ERROR_HTTP_STATUS[body.code], path, error: body },
  };
}

/**
 * The wire form of any error a procedure ended with. Only NatterErrors and tRPC's own
 * request errors say what went wrong; an outage (the database, Redis, the disk) is a 503
 * UNAVAILABLE to retry; anything else unexpected is an opaque INTERNAL.
 */
export function toErrorBody(error: TRPCError): ErrorBody {
  const { cause } = error;
  if (cause instanceof NatterError) {
    return errorBodyOf(cause);
  }
  const issues = schemaIssuesOf(cause);
  if (error.code === "BAD_REQUEST" && issues) {
    const refusal = validationFailed(issues);
    return errorBodyOf(refusal);
  }
  const code = CODE_BY_TRPC_CODE[error.code];
  if (code === "MALFORMED_REQUEST" && cause instanceof SyntaxError) {
    return { code, message: "The request is not valid JSON" };
  }
  if (code) return { code, message: FIXED_MESSAGES[code] ?? error.message };
  return unexpectedErrorBody(cause ?? error);
}

/** The body every transport answers a NatterError with: its code, message and details. */
export function errorBodyOf(error: NatterError): ErrorBody {
  return { code: error.code, message: error.message, ...error.details };
}

/** The body of a failure no NatterError describes: UNAVAILABLE for an outage, else INTERNAL. */
export function unexpectedErrorBody(error: unknown): ErrorBody {
  const outage = unavailableError(error);
  if (outage) return errorBodyOf(outage);
  return { code: "INTERNAL", message: "Internal server error" };
}

/** The issues of a schema validation failure (zod or any Standard Schema), if `cause` is one. */
function schemaIssuesOf(cause: unknown): SchemaIssue[] | undefined {
  if (typeof cause !== "object" || cause === null || !("issues" in cause)) return undefined;
  const { issues } = cause;
  return Array.isArray(issues) ? issues : undefined;
}
