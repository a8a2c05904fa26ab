import type { Database } from "@natter/db";
import type { RoomEvent } from "@natter/shared";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { RedisConnection } from "../redis/redis-connection.js";
import type { RoomEventBus, RoomEventListener } from "./room-event-bus.js";
import { RoomLogTail } from "./room-log-tail.js";
import { SeqOrder } from "./seq-order.js";

/** A room with listeners on this node. */
interface FollowedRoom {
  listeners: Set<RoomEventListener>;
  /** The channel subscription, once in place and the room followed by the tail. */
  listening: Promise<() => void>;
  /** Orders the room's events from the moment it is followed. */
  order: SeqOrder | undefined;
}

/** What travels on a room's channel: the publishing node, and its events of that room. */
interface BusMessage {
  node: string;
  events: RoomEvent[];
}

/**
 * The room event bus of several nodes: one Redis channel per room, subscribed once per
 * node while the room has listeners here. Events published on this node reach its own
 * listeners at once, without the round trip; other nodes' events are decoded once per
 * message and the same objects handed to every listener (the `RoomEventBus` contract).
 *
 * Redis pub/sub delivers at most once: a message published while a node is reconnecting,
 * or never published because its node died after committing, is lost. The bus's
 * `RoomLogTail` finds such losses in the log within two `tailIntervalMs`.
 */
export class RedisRoomEventBus implements RoomEventBus {
  private readonly rooms = new Map<string, FollowedRoom>();

  private readonly tail: RoomLogTail;

  constructor(
    private readonly redis: RedisConnection,
    db: Kysely<Database>,
    private readonly logger: Logger,
    tailIntervalMs: number,
  ) {
    this.tail = new RoomLogTail({
      db,
      logger,
      intervalMs: tailIntervalMs,
      deliver: (roomId, events) => this.deliver(roomId, events),
    });
    this.tail.start();
  }

  /** Stops checking the log; subscriptions end with the Redis connection. */
  close(): void {
    this.tail.stop();
  }

  async publish(events: readonly RoomEvent[]): Promise<void> {
    const byRoom = new Map<string, RoomEvent[]>();
    for (const event of events) {
      const list = byRoom.get(event.roomId);
      if (list) list.push(event);
      else byRoom.set(event.roomId, [event]);
    }
    await Promise.all(
      [...byRoom].map(async ([roomId, roomEvents]) => {
        this.deliver(roomId, roomEvents);
        const message: BusMessage = { node: this.redis.nodeId, events: roomEvents };
        try {
          await this.redis.commands.publish(this.channelOf(roomId), JSON.stringify(message));
        } catch (error) {
          const seqs = roomEvents.map((event) => event.seq);
          this.logger.warn(
            { err: error, roomId, seqs },
            "room events not published; other nodes read them from the log",
          );
        }
      }),
    );
  }

  async subscribe(roomId: string, listener: RoomEventListener): Promise<() => void> {
    let room = this.rooms.get(roomId);
    if (!room) {
      const listeners = new Set<RoomEventListener>();
      // One channel handler per room: each message is decoded once for all its listeners.
      const listening = this.redis.channels
        .listen(this.channelOf(roomId), (raw) => {
          const message = JSON.parse(raw) as BusMessage;
          if (message.node !== this.redis.nodeId) this.deliver(roomId, message.events);
        })
        .then(async (stopListening) => {
          // Only once the channel is live: anything committed after this read arrives on it.
          try {
            const followed = room;
            if (followed && this.rooms.get(roomId) === followed) {
              const last = await this.tail.follow(roomId);
              followed.order = new SeqOrder(last, (event) => this.emit(followed, event));
            }
          } catch (error) {
            stopListening();
            throw error;
          }
          return stopListening;
        });
      room = { listeners, listening, order: undefined };
      this.rooms.set(roomId, room);
    }
    const entry = room;
    entry.listeners.add(listener);
    const remove = () => {
      entry.listeners.delete(listener);
      if (entry.listeners.size === 0 && this.rooms.get(roomId) === entry) {
        this.rooms.delete(roomId);
        this.tail.forget(roomId);
        entry.order?.stop();
        entry.listening.then(
          (stopListening) => stopListening(),
          () => {},
        );
      }
    };
    try {
      await entry.listening;
    } catch (error) {
      remove();
      throw error;
    }
    return remove;
  }

  private deliver(roomId: string, events: readonly RoomEvent[]): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    for (const event of events) {
      if (room.order) room.order.push(event);
      else this.emit(room, event);
    }
  }

  private emit(room: FollowedRoom, event: RoomEvent): void {
    this.tail.saw(event);
    for (const listener of room.listeners) listener(event);
  }

  private channelOf(roomId: string): string {
    return this.redis.key(`room:${roomId}`);
  }
}
