import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import type { Redis } from "ioredis";
import { RedisChannels } from "./redis-channels.js";

/**
 * One node's connections to Redis: one for commands and one for subscriptions, as a
 * subscribed connection can do nothing else. Every key and channel is named through
 * `key`, under the configured prefix, so that deployments and test runs can share a Redis.
 */
export class RedisConnection {
  /** This process among the nodes: random per start, so a restarted node is a new one. */
  readonly nodeId = randomUUID();
  readonly channels: RedisChannels;

  private constructor(
    readonly commands: Redis,
    subscriber: Redis,
    private readonly prefix: string,
  ) {
    this.channels = new RedisChannels(subscriber);
  }

  /**
   * Connects both connections and answers once Redis has answered. Commands are retried
   * a little while a connection is re-established, then fail: a caller is never left
   * waiting on a Redis that is gone.
   */
  static async open(url: string, prefix: string): Promise<RedisConnection> {
    // Required here, not imported: a server without Redis should not load the client at every start.
    const { Redis } = createRequire(import.meta.url)("ioredis") as typeof import("ioredis");
    const options = { lazyConnect: true, maxRetriesPerRequest: 2, connectionName: "natter" };
    const commands = new Redis(url, options);
    const subscriber = new Redis(url, options);
    // Errors also reject the commands they concern; a listener keeps ioredis from printing them.
    for (const client of [commands, subscriber]) client.on("error", () => {});
    try {
      await Promise.all([commands.connect(), subscriber.connect()]);
    } catch (error) {
      commands.disconnect();
      subscriber.disconnect();
      // The host only: the URL may carry a password.
      const { host } = new URL(url);
      throw new Error(`cannot reach Redis at ${host}: ${error instanceof Error ? error.message : String(error)}`);
    }
    return new RedisConnection(commands, subscriber, prefix);
  }

  /** The full name of a key or channel: `natter:room:…`. */
  key(name: string): string {
    return `${this.prefix}${name}`;
  }

  /** Resolves when Redis answers a PING. */
  async ping(): Promise<void> {
    await this.commands.ping();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.commands.quit(), this.channels.close()]);
  }
}
