/**
 * Every machine-readable error code natter answers with, and the HTTP status it travels with.
 * Clients branch on `code`; the message is for people and may change.
 */
export const ERROR_HTTP_STATUS = {
  VALIDATION_FAILED: 400,
  MALFORMED_REQUEST: 400,
  EMPTY_UPLOAD: 400,
  IMAGE_TOO_LARGE: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  /** The account is banned: log-in is refused, its sessions have ended. */
  ACCOUNT_BANNED: 403,
  /** Sign-up is closed on this server; an admin creates accounts. */
  SIGNUP_CLOSED: 403,
  /**
   * A direct room with that user cannot be opened, or a message not sent in it: one of the two
   * blocked the other, or the user takes no new direct rooms. The answer does not say which.
   */
  BLOCKED: 403,
  /** A room admin muted the caller in this room: they may read, not send, until `until` (null: until lifted). */
  MUTED: 403,
  /** The call was made with an API key whose scopes do not cover it (or with a key where none may be used). */
  INSUFFICIENT_SCOPE: 403,
  NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  ROOM_NOT_FOUND: 404,
  MEMBER_NOT_FOUND: 404,
  MESSAGE_NOT_FOUND: 404,
  SESSION_NOT_FOUND: 404,
  UPLOAD_NOT_FOUND: 404,
  WEBHOOK_NOT_FOUND: 404,
  WEBHOOK_DELIVERY_NOT_FOUND: 404,
  REPORT_NOT_FOUND: 404,
  /** No push subscription of the caller's has that id. */
  PUSH_SUBSCRIPTION_NOT_FOUND: 404,
  BOT_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  /** An incoming webhook that does not exist, was deleted, or whose secret is wrong: all answered alike. */
  INCOMING_WEBHOOK_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  USERNAME_TAKEN: 409,
  /** The message already carries the most distinct reactions it may (`LIMITS.reactionsPerMessageMax`). */
  TOO_MANY_REACTIONS: 409,
  /** The room already has the most pins it may (`LIMITS.pinsPerRoomMax`). */
  TOO_MANY_PINS: 409,
  /** A direct room cannot be joined, renamed, opened, left, given members or have one kicked. */
  DIRECT_ROOM: 409,
  /** The caller holds the most push subscriptions they may (`LIMITS.pushSubscriptionsPerUserMax`): delete one first. */
  TOO_MANY_PUSH_SUBSCRIPTIONS: 409,
  /** The caller has reported this message already: one report per user per message. */
  ALREADY_REPORTED: 409,
  /**
   * The inbox log no longer holds the entries after the `lastEventId` given (they are older
   * than its 7 days): reload unread counts and rooms, then watch again without a position.
   */
  RESYNC_REQUIRED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  /**
   * The text holds a term a server admin blocked (`PUT /admin/blocked-terms`, mode reject). The
   * answer does not say which term, so the list cannot be read by trying words.
   */
  BLOCKED_TERM: 422,
  /** The request's headers are larger than the server reads (Node's `maxHeaderSize`, 16 KiB). */
  HEADERS_TOO_LARGE: 431,
  RATE_LIMITED: 429,
  /** The room is in slow mode and the caller sent less than `slowModeSeconds` ago: retry after `Retry-After`. */
  SLOW_MODE: 429,
  INTERNAL: 500,
  /** The change kept losing races with others on the same data; it was not made. Try again. */
  BUSY: 503,
  /**
   * Something the server needs is out of reach for now (the database, Redis, the disk): nothing
   * was changed that the answer does not say. Try again after `Retry-After`.
   */
  UNAVAILABLE: 503,
  /** The server's upload storage is at its ceiling (`NATTER_UPLOAD_STORAGE_MAX_BYTES`): no new bytes fit. */
  STORAGE_FULL: 507,
} as const;

/** A stable machine-readable error code. */
export type ErrorCode = keyof typeof ERROR_HTTP_STATUS;

/** All error codes, for schemas and exhaustive checks. */
export const ERROR_CODES = Object.keys(ERROR_HTTP_STATUS) as [ErrorCode, ...ErrorCode[]];
