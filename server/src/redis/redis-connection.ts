import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import type { Redis } from "ioredis";
import { onReconnect } from "./on-reconnect.js";
import { RedisChannels } from "./redis-channels.js";

/** How long a Redis command may go unanswered before it fails. */
const COMMAND_TIMEOUT_MS = 1_000;
/**
 * The longest wait between two attempts to reconnect: short, so that a node is back on Redis
 * (and its presence converges) within a second of Redis coming back. ioredis's default waits
 * up to 2 s; an attempt on a LAN costs next to nothing.
 */
const MAX_RECONNECT_DELAY_MS = 300;

/**
 * One node's connections to Redis: one for commands and one for subscriptions, as a
 * subscribed connection can do nothing else. Every key and channel is named through
 * `key`, under the configured prefix, so that deployments and test runs can share a Redis.
 */
export class RedisConnection {
  /** This process among the nodes: random per start, so a restarted node is a new one. */
  readonly nodeId = randomUUID();
  readonly channels: RedisChannels;
  private readonly restoredListeners = new Set<() => void>();

  private constructor(
    readonly commands: Redis,
    subscriber: Redis,
    private readonly prefix: string,
  ) {
    this.channels = new RedisChannels(subscriber, () => this.restored());
    onReconnect(commands, () => this.restored());
  }

  /**
   * Calls `listener` each time a connection to Redis is back after it was lost (the
   * subscriber once its channels are subscribed again): what was written or published
   * meanwhile is lost, and the listener shares its state again. Answers the removal.
   */
  onRestored(listener: () => void): () => void {
    this.restoredListeners.add(listener);
    return () => this.restoredListeners.delete(listener);
  }

  private restored(): void {
    for (const listener of this.restoredListeners) listener();
  }

  /**
   * Connects both connections and answers once Redis has answered. A caller is never left
   * waiting on a Redis that is gone: while a connection is down its commands fail at once
   * (no offline queue: waiting through reconnections held every request for seconds), and a
   * command Redis does not answer (a frozen server, a cut network) fails after
   * `COMMAND_TIMEOUT_MS`. Callers answer such failures as an outage (503) or carry on without
   * Redis where they can.
   */
  static async open(url: string, prefix: string): Promise<RedisConnection> {
    // Required here, not imported: a server without Redis should not load the client at every start.
    const { Redis } = createRequire(import.meta.url)("ioredis") as typeof import("ioredis");
    const options = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      retryStrategy: (attempt: number) => Math.min(attempt * 50, MAX_RECONNECT_DELAY_MS),
      connectionName: "natter",
    };
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
