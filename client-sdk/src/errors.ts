import type { TRPCClientError } from "@trpc/client";
import type { AppRouter, ErrorBody, ErrorCode, NatterErrorShape } from "./app-router.js";

/** A call natter refused or failed, with its machine-readable reason in `data.error`. */
export type NatterClientError<C extends ErrorCode = ErrorCode> = TRPCClientError<AppRouter> & {
  readonly data: NatterErrorShape["data"] & { readonly error: ErrorBody & { readonly code: C } };
};

/**
 * Whether `error` is natter's answer to a call, optionally with one code:
 * `if (isNatterError(err, "ROOM_NOT_FOUND")) …`. Network failures are not: they carry no
 * answer from natter (see `isNetworkFailure`).
 */
export function isNatterError<C extends ErrorCode = ErrorCode>(
  error: unknown,
  code?: C,
): error is NatterClientError<C> {
  const body = errorBodyOf(error);
  return body !== undefined && (code === undefined || body.code === code);
}

/**
 * Whether a call failed without any answer from natter (the connection dropped, timed out,
 * or a proxy answered instead), so that sending it again may succeed.
 */
export function isNetworkFailure(error: unknown): boolean {
  return error instanceof Error && error.name === "TRPCClientError" && errorBodyOf(error) === undefined;
}

/**
 * The refusals that only ask to wait: a refusal for rate (429 `RATE_LIMITED`), an outage of
 * the database, Redis or the disk (503 `UNAVAILABLE`), a room too busy to change (503 `BUSY`).
 */
const REFUSED_FOR_NOW: readonly ErrorCode[] = ["RATE_LIMITED", "UNAVAILABLE", "BUSY"];

/**
 * How long natter asked to wait before sending again (a 429 or 503 with `Retry-After`), in
 * milliseconds; undefined for any other failure.
 */
export function retryAfterMs(error: unknown): number | undefined {
  if (!isNatterError(error) || !REFUSED_FOR_NOW.includes(error.data.error.code)) return undefined;
  const seconds = (error.data.error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  return typeof seconds === "number" && seconds >= 0 ? seconds * 1000 : undefined;
}

/** The error body natter put in a tRPC error, read structurally so two copies of tRPC agree. */
function errorBodyOf(error: unknown): { code: string } | undefined {
  if (typeof error !== "object" || error === null || !("data" in error)) return undefined;
  const { data } = error;
  if (typeof data !== "object" || data === null || !("error" in data)) return undefined;
  const body = data.error;
  if (typeof body !== "object" || body === null || !("code" in body) || typeof body.code !== "string") return undefined;
  return { code: body.code };
}

/**
 * natter's refusal of an upload (`client.upload`), which travels over plain HTTP rather than
 * tRPC; `isNatterError(err, "PAYLOAD_TOO_LARGE")` recognises it like any other refusal.
 */
export class UploadRefusedError extends Error {
  override readonly name: string = "UploadRefusedError";
  /** The error body, where tRPC errors carry it too. */
  readonly data: { readonly error: ErrorBody };

  constructor(
    /** The HTTP status. */
    readonly status: number,
    error: ErrorBody,
  ) {
    super(error.message);
    this.data = { error };
  }
}

/**
 * natter's refusal of a data export (`client.exportMyData`), which travels over plain HTTP
 * rather than tRPC; `isNatterError(err, "RATE_LIMITED")` recognises it like any other refusal.
 */
export class ExportRefusedError extends UploadRefusedError {
  override readonly name = "ExportRefusedError";
}
