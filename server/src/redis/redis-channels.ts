import type { Redis } from "ioredis";
import { onReconnect } from "./on-reconnect.js";

type ChannelHandler = (message: string) => void;

interface Channel {
  handlers: Set<ChannelHandler>;
  /** Settles once Redis has confirmed the subscription. */
  subscribed: Promise<unknown>;
}

/**
 * The channels this node listens to, on one subscriber connection: each channel is
 * subscribed once however many handlers it has, and unsubscribed with its last handler.
 * ioredis subscribes again by itself after a reconnect; what was published meanwhile is
 * lost, which is why every user of a channel has another way to learn of what it missed.
 */
export class RedisChannels {
  private readonly channels = new Map<string, Channel>();

  /**
   * `onResubscribed` is called after the connection was lost and is back, once Redis has
   * confirmed every channel again: from then on nothing published is missed.
   */
  constructor(
    private readonly subscriber: Redis,
    onResubscribed: () => void,
  ) {
    subscriber.on("message", (name: string, message: string) => {
      const channel = this.channels.get(name);
      if (channel) for (const handler of channel.handlers) handler(message);
    });
    onReconnect(subscriber, () => {
      // ioredis subscribes again by itself, without telling when Redis confirmed it; subscribing
      // to a channel twice is harmless, and this answer says when every channel is back.
      const names = [...this.channels.keys()];
      const confirmed = names.length > 0 ? this.subscriber.subscribe(...names) : Promise.resolve();
      confirmed.then(onResubscribed, () => {
        // Lost again meanwhile: the next "ready" tries again.
      });
    });
  }

  /** Calls `handler` with every message of `name` from the moment this resolves; answers the removal. */
  async listen(name: string, handler: ChannelHandler): Promise<() => void> {
    let channel = this.channels.get(name);
    if (!channel) {
      channel = { handlers: new Set(), subscribed: this.subscriber.subscribe(name) };
      this.channels.set(name, channel);
    }
    const entry = channel;
    entry.handlers.add(handler);
    const remove = () => {
      entry.handlers.delete(handler);
      if (entry.handlers.size === 0 && this.channels.get(name) === entry) {
        this.channels.delete(name);
        // A later listen subscribes anew; Redis runs both in order on this connection.
        this.subscriber.unsubscribe(name).catch(() => {});
      }
    };
    try {
      await entry.subscribed;
    } catch (error) {
      remove();
      throw error;
    }
    return remove;
  }

  async close(): Promise<void> {
    this.channels.clear();
    await this.subscriber.quit();
  }
}
