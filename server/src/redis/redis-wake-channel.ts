import type { Logger } from "pino";
import type { RedisConnection } from "./redis-connection.js";

/**
 * A wake-up shared by the nodes on one Redis channel: a node that queued work it does not do
 * itself (webhook deliveries, on a node that does not deliver them) tells the nodes that do,
 * which look at once instead of at their next poll. The message carries nothing: the work is
 * in the database already, and a wake-up lost (pub/sub delivers at most once) only leaves it
 * to those nodes' polls.
 */
export class RedisWakeChannel {
  constructor(
    private readonly redis: RedisConnection,
    private readonly name: string,
    private readonly logger: Logger,
  ) {}

  /** Wakes the nodes listening, without waiting for Redis. */
  wake(): void {
    this.redis.commands.publish(this.redis.key(this.name), "").catch((error: unknown) => {
      this.logger.debug({ err: error, channel: this.name }, "wake-up not published; the other nodes poll");
    });
  }

  /** Calls `onWake` at every other node's `wake` from the moment this resolves; answers the end of it. */
  listen(onWake: () => void): Promise<() => void> {
    return this.redis.channels.listen(this.redis.key(this.name), () => onWake());
  }
}
