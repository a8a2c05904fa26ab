/**
 * The codes natter's WebSocket server closes connections with. Clients branch on them:
 * reconnect (and resume subscriptions with `lastEventId`) after `goingAway`, `slowReader`
 * and `rateLimited`; ask the user to sign in again after `sessionEnded`. A peer that stops
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
   * The connection read its events too slowly and its unsent data passed the server's cap.
   * Nothing the server sent before the close is lost: reconnect and resume with `lastEventId`.
   */
  slowReader: 4408,
} as const;

/** One of the codes in `WS_CLOSE_CODES`. */
export type WsCloseCode = (typeof WS_CLOSE_CODES)[keyof typeof WS_CLOSE_CODES];
