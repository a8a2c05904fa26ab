import type { Logger } from "pino";
import type { RedisConnection } from "../redis/redis-connection.js";
import { InProcessSessionRevocations, type SessionRevocations } from "./session-revocations.js";

/** What travels on the channel: the sending node, so that it skips its own batches. */
interface RevocationMessage {
  node: string;
  sessionIds: string[];
}

/**
 * Revocations shared over one Redis channel: this node's listeners hear a batch at once,
 * every other node's when Redis passes it on (a log-out on one node closes the session's
 * sockets on all of them within a round trip).
 */
export class RedisSessionRevocations implements SessionRevocations {
  private readonly local = new InProcessSessionRevocations();
  private readonly channel: string;
  private stopListening: (() => void) | undefined;

  private constructor(
    private readonly redis: RedisConnection,
    private readonly logger: Logger,
  ) {
    this.channel = redis.key("sessions:revoked");
  }

  /** Listens to other nodes' revocations before answering. */
  static async open(redis: RedisConnection, logger: Logger): Promise<RedisSessionRevocations> {
    const revocations = new RedisSessionRevocations(redis, logger);
    revocations.stopListening = await redis.channels.listen(revocations.channel, (raw) => {
      const message = JSON.parse(raw) as RevocationMessage;
      if (message.node !== redis.nodeId) revocations.local.deliver(message.sessionIds);
    });
    return revocations;
  }

  async publish(sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    this.local.deliver(sessionIds);
    const message: RevocationMessage = { node: this.redis.nodeId, sessionIds: [...sessionIds] };
    try {
      await this.redis.commands.publish(this.channel, JSON.stringify(message));
    } catch (error) {
      this.logger.error({ err: error }, "session revocation not passed on to other nodes");
    }
  }

  subscribe(listener: (sessionIds: readonly string[]) => void): () => void {
    return this.local.subscribe(listener);
  }

  /** Stops listening to other nodes. */
  close(): void {
    this.stopListening?.();
  }
}
