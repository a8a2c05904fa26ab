import type { AuthSession } from "../auth/auth-session.js";
import type { SharedEncoding } from "../events/encoded-events.js";
import type { WriteLimits } from "../rate-limit/write-limits.js";

/** Which transport a call came in on. */
export type Transport = "http" | "rest" | "ws";

/** What every procedure knows about its caller. */
export interface RequestContext {
  /** The signed-in caller, or null for anonymous calls. */
  session: AuthSession | null;
  /**
   * A bearer token was sent that is unknown, expired or logged out. The call is refused with
   * 401 (never served as anonymous, which would call the caller's closed rooms missing),
   * unless the procedure accepts ended tokens (log-out stays idempotent).
   */
  endedToken?: boolean;
  transport: Transport;
  /** The caller's User-Agent header, kept with the sessions it opens. */
  userAgent?: string | undefined;
  /** The caller's address as per-address limits count it (`clientAddressKey`). */
  clientAddress: string;
  /** The write rate limits procedures with a `rateLimit` meta count against. */
  writeLimits: WriteLimits;
  /**
   * Whether a user is a server admin now, as the database says: admin-only procedures ask it
   * on every call, as the session's flag is as of its resolution (or of its cached copy).
   */
  isServerAdmin: (userId: string) => Promise<boolean>;
  /** The live subscriptions of this WebSocket connection; absent on HTTP, which serves none. */
  subscriptions?: SubscriptionSlots;
  /**
   * Set for each WebSocket subscription call: sends a tracked event to the subscriber at
   * once, as yielding `tracked(id, data)` would but without the trip through the generator.
   */
  live?: TrackedSink;
}

/** Sends tracked events of one subscription straight to its socket. */
export interface TrackedSink {
  /** Sends `data` tracked as `id`; false when the socket can no longer take it. */
  send(id: string, data: object): boolean;
  /**
   * `send` of the event whose JSON is `shared.json(seq)` (an inbox entry's, `InboxEntry.shared`),
   * tracked as its `seq`: its frame is built from those bytes, without the event as an object.
   */
  sendShared(seq: string, shared: SharedEncoding): boolean;
}

/** Counts one connection's open subscriptions, so that it cannot hold an unbounded number. */
export interface SubscriptionSlots {
  open: number;
  /** The slots this connection shares with others of its account (or, anonymous, its address). */
  shared?: SharedSubscriptionSlots;
}

/** Subscription slots shared by several connections, under one ceiling. */
export interface SharedSubscriptionSlots {
  /** Takes a slot; false, taking nothing, at the ceiling. */
  take(): Promise<boolean>;
  release(): void;
  /** Said to a subscription refused at the ceiling. */
  refusal: string;
}
