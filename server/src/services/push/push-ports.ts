import type { AttemptOutcome } from "../outbox/attempt-outcome.js";

/** The server's VAPID identity: its key pair (base64url) and how push services may reach its operator. */
export interface VapidKeys {
  publicKey: string;
  privateKey: string;
  subject: string;
}

/** One notification to one browser: where, the keys to encrypt for, what, and how it collapses. */
export interface PushMessage {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** The notification's JSON (`PushNotification`). */
  payload: string;
  /** Notifications with one topic replace each other at the push service (one per room). */
  topic: string;
}

/** What sends Web Push requests over the network (`outbound/web-push-sender.ts`). */
export interface PushTransport {
  /** Encrypts (RFC 8291), signs (VAPID, RFC 8292) and sends one message; never throws. */
  send(message: PushMessage, signal?: AbortSignal): Promise<AttemptOutcome>;
}

/** Whether a user is connected now (a live subscription on any node): then nothing is pushed. */
export interface ConnectedUsers {
  /** True when connected; undefined when the server does not count connections. */
  isConnected(userId: string): Promise<boolean | undefined>;
}
