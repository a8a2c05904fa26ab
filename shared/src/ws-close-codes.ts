/**
 * The codes natter's WebSocket server closes connections with. Clients branch on them:
 * reconnect (and resume subscriptions with `lastEventId`) after `goingAway`, `slowReader`
 * and `rateLimited`; ask the user to sign in again after `sessionEnded`; back off after
 * `tooManyConnections`. A peer that stops
 * answering heartbeats is cut off without a close frame, so its client sees 1006.
 */
export const WS_CLOSE_CODES = {
  /** The server is shutting down. */
  goingAway: 1001,
  /** The connection sent messages faster than its rate limit allows (policy violation). */
  rateLimited: 1008,
  /** A message was larger than `LIMITS.maxWebSocketMessageBytes`. */
  messageTooBig: 1009,
  /** The connection's session ended: logged out, password changed, or expired. */
  sessionEnded: 4401,
  /**
   * Refused at once: the client address, or the account, already holds as many WebSockets as
   * the server allows (`NATTER_WS_MAX_CONNECTIONS_PER_ADDRESS` / `_PER_ACCOUNT`). Reconnecting
   * at once fails the same way: close another connection first, or back off.
   */
  tooManyConnections: 4429,
  /**
   * The connection read its events too slowly and its unsent data passed the server's cap.
   * Nothing the server sent before the close is lost: reconnect and resume with `lastEventId`.
   */
  slowReader: 4408,
} as const;

/** One of the codes in `WS_CLOSE_CODES`. */
export type WsCloseCode = (typeof WS_CLOSE_CODES)[keyof typeof WS_CLOSE_CODES];
