import type { Database } from "@natter/db";
import type { RoomEvent } from "@natter/shared";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { RedisConnection } from "../redis/redis-connection.js";
import type { RoomEventBus, RoomEventListener } from "./room-event-bus.js";
import { RoomListeners } from "./room-listeners.js";
import { RoomLogTail } from "./room-log-tail.js";
import { SeqOrder } from "./seq-order.js";

/** A room followed on this node: its events reach `emit`, the fan-out of `RoomListeners`. */
interface FollowedRoom {
  emit: RoomEventListener;
  /** Orders the room's events from the moment its log is followed. */
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
 * message and the same objects handed to every listener (the `RoomEventBus` contract), through
 * `RoomListeners`, which keeps one channel subscription per room however many listen here.
 *
 * Redis pub/sub delivers at most once: a message published while a node is reconnecting,
 * or never published because its node died after committing, is lost. The bus's
 * `RoomLogTail` finds such losses in the log within two `tailIntervalMs`.
 */
export class RedisRoomEventBus implements RoomEventBus {
  /** The rooms followed here, each with one channel subscription, once for all its listeners. */
  private readonly rooms = new Map<string, FollowedRoom>();
  private readonly listeners = new RoomListeners({ subscribe: (roomId, emit) => this.follow(roomId, emit) });
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

  /**
   * Delivers the events to this node's listeners, and sends them to the other nodes without
   * waiting for Redis: the change is committed already, and a publish Redis never takes is
   * found in the log by the other nodes' tails, so a Redis outage slows no answer.
   */
  async publish(events: readonly RoomEvent[]): Promise<void> {
    const byRoom = new Map<string, RoomEvent[]>();
    for (const event of events) {
      const list = byRoom.get(event.roomId);
      if (list) list.push(event);
      else byRoom.set(event.roomId, [event]);
    }
    for (const [roomId, roomEvents] of byRoom) {
      this.deliver(roomId, roomEvents);
      const message: BusMessage = { node: this.redis.nodeId, events: roomEvents };
      this.redis.commands.publish(this.channelOf(roomId), JSON.stringify(message)).catch((error: unknown) => {
        const seqs = roomEvents.map((event) => event.seq);
        this.logger.warn({ err: error, roomId, seqs }, "room events not published; other nodes read them from the log");
      });
    }
  }

  subscribe(roomId: string, listener: RoomEventListener): Promise<() => void> {
    return this.listeners.add(roomId, listener);
  }

  /**
   * Follows a room for its listeners here: listens to its channel, then reads its newest seq,
   * from which its events are put in order. Answers the end of the following.
   */
  private async follow(roomId: string, emit: RoomEventListener): Promise<() => void> {
    const room: FollowedRoom = { emit, order: undefined };
    this.rooms.set(roomId, room);
    const stopListening = await this.redis.channels
      .listen(this.channelOf(roomId), (raw) => {
        const message = JSON.parse(raw) as BusMessage;
        if (message.node !== this.redis.nodeId) this.deliverTo(room, message.events);
      })
      .catch((error: unknown) => {
        this.unfollow(roomId, room);
        throw error;
      });
    try {
      // Only once the channel is live: anything committed after this read arrives on it.
      const last = await this.tail.follow(roomId);
      room.order = new SeqOrder(last, (event) => this.emit(room, event));
    } catch (error) {
      stopListening();
      this.unfollow(roomId, room);
      throw error;
    }
    return () => {
      stopListening();
      this.unfollow(roomId, room);
    };
  }

  private unfollow(roomId: string, room: FollowedRoom): void {
    room.order?.stop();
    // A room followed again meanwhile is the new following's to end.
    if (this.rooms.get(roomId) !== room) return;
    this.rooms.delete(roomId);
    this.tail.forget(roomId);
  }

  private deliver(roomId: string, events: readonly RoomEvent[]): void {
    const room = this.rooms.get(roomId);
    if (room) this.deliverTo(room, events);
  }

  private deliverTo(room: FollowedRoom, events: readonly RoomEvent[]): void {
    for (const event of events) {
      if (room.order) room.order.push(event);
      else this.emit(room, event);
    }
  }

  private emit(room: FollowedRoom, event: RoomEvent): void {
    this.tail.saw(event);
    room.emit(event);
  }

  private channelOf(roomId: string): string {
    return this.redis.key(`room:${roomId}`);
  }
}
