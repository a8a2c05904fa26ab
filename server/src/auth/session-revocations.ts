import { EventEmitter } from "node:events";

/**
 * Tells the live transports of every node which sessions just stopped being valid, so that
 * sockets opened with them close at once instead of at their next call.
 */
export interface SessionRevocations {
  /**
   * Announces sessions that were just deleted. This node's listeners hear it at once; it
   * resolves once other nodes are told, or once a failure to tell them is reported (their
   * sockets then close at their next session check, as the database no longer knows the session).
   */
  publish(sessionIds: readonly string[]): Promise<void>;
  /** Calls `listener` with each batch of revoked session ids, from any node; answers the unsubscribe. */
  subscribe(listener: (sessionIds: readonly string[]) => void): () => void;
}

/** The revocations of a single process. */
export class InProcessSessionRevocations implements SessionRevocations {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  async publish(sessionIds: readonly string[]): Promise<void> {
    this.deliver(sessionIds);
  }

  subscribe(listener: (sessionIds: readonly string[]) => void): () => void {
    this.emitter.on("revoked", listener);
    return () => this.emitter.off("revoked", listener);
  }

  /** Hands a batch to this process's listeners. */
  deliver(sessionIds: readonly string[]): void {
    if (sessionIds.length > 0) this.emitter.emit("revoked", sessionIds);
  }
}
