import { ERROR_HTTP_STATUS, type ErrorCode } from "./error-codes.js";

/** Which input field failed validation, and why. */
export interface FieldIssue {
  /** Dotted path of the field, `""` for the whole input. */
  path: string;
  message: string;
}

/** Extra, code-specific facts about an error (the role needed, the fields that failed). */
export interface ErrorDetails {
  issues?: FieldIssue[];
  requiredRole?: string;
  /** With `INSUFFICIENT_SCOPE`: the API key scope the call needs. */
  requiredScope?: string;
  retryAfterSeconds?: number;
  /** With `MUTED`: when the mute ends (null: until lifted). */
  until?: string | null;
}

/** The one error type natter throws; its `code` is what every transport reports. */
export class NatterError extends Error {
  override readonly name = "NatterError";
  readonly code: ErrorCode;
  readonly details: ErrorDetails | undefined;

  /**
   * @param cause what went wrong underneath (a driver error, a failed parse), kept for logs;
   *   it never reaches a client.
   */
  constructor(code: ErrorCode, message: string, details?: ErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  /** The HTTP status this error is answered with. */
  get httpStatus(): number {
    return ERROR_HTTP_STATUS[this.code];
  }
}
