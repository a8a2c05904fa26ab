/** Sizes and bounds shared by the server's validation and the client's expectations. */
export const LIMITS = {
  usernameMin: 3,
  usernameMax: 32,
  passwordMin: 8,
  passwordMax: 256,
  /** The largest JSON request body the HTTP transports read, in bytes. */
  maxRequestBodyBytes: 64 * 1024,
  /** The largest WebSocket message the server accepts, in bytes. */
  maxWebSocketMessageBytes: 64 * 1024,
} as const;
