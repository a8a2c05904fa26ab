import { EventEmitter } from "node:events";

/**
 * Tells the live transports which sessions just stopped being valid, so that sockets
 * opened with them close at once instead of at their next call.
 */
export class SessionRevocations {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(sessionIds: readonly string[]): void {
    if (sessionIds.length > 0) this.emitter.emit("revoked", sessionIds);
  }

  /** Calls `listener` with each batch of revoked session ids; returns the unsubscribe. */
  subscribe(listener: (sessionIds: readonly string[]) => void): () => void {
    this.emitter.on("revoked", listener);
    return () => this.emitter.off("revoked", listener);
  }
}
