import type { Logger } from "pino";
import type { RedisConnection } from "../redis/redis-connection.js";
import { FollowedLogs } from "./followed-logs.js";
import type { LogListener } from "./room-event-bus.js";
import { RoomListeners } from "./room-listeners.js";
import { RoomLogTail, type TailedLog, type TailedRoom } from "./room-log-tail.js";
import { type GapFill, SeqOrder, type Sequenced } from "./seq-order.js";

/** Entries one read of a gap in the order of a log's events hands over; its watchers read the rest. */
const GAP_READ_LIMIT = 100;

/**
 * A log followed on this node: its events, put in order once the log's newest seq is known
 * (`startOrder`), noted by the tail and handed to its listeners here. One object that is the
 * log's order and the tail's record of it (`TailedRoom`), where each was an object of its
 * own: a message's inbox entries reach a node one per member, and every object an entry's way
 * touches once per message is a wait for memory (`LogListener`).
 */
export class FollowedLog<E extends Sequenced> extends SeqOrder<E> implements TailedRoom {
  seen = 0;
  behind: number | undefined;
  missing = false;
  heard = false;
  /** Set once the log's events are put in order, from the seq the tail read (`startOrder`). */
  private ordered = false;

  constructor(
    /** The log's key (its room's id, its user's). */
    readonly key: string,
    /** The log's listeners here (`RoomListeners`' fan-out). */
    listener: LogListener<E>,
    private readonly tail: RoomLogTail<E>,
    fill: GapFill<E>,
  ) {
    super(0, listener, fill);
  }

  /** An event of the log as it came, in any order: put in order once the order has begun. */
  take(event: E): void {
    if (this.ordered) this.push(event);
    else this.handOn(event);
  }

  /** Puts the log's events in order from now on, after `last` (the tail's `seen` as it began to follow). */
  startOrder(last: number): void {
    this.last = last;
    this.ordered = true;
  }

  /** An event in the log's order (or before the order began): noted by the tail once it follows the log, then on. */
  protected override handOn(event: E): void {
    // The tail's record once it follows the log, which it does just before the order begins.
    this.tail.saw(event, this.ordered ? this : undefined);
    super.handOn(event);
  }
}

/** How a bus message's events begin: after its `node`, which is written first (`publish`). */
const EVENTS_OPENING = '"events":[';

/** What travels on a log's channel: the publishing node, and its events of that log. */
interface BusMessage<E> {
  node: string;
  events: E[];
}

/**
 * One channel for every log of a kind, whose messages carry entries of many logs at once
 * (users' inboxes: a message's entries, one per member of its room), in place of a channel
 * per log.
 */
export interface SharedLogChannel<E extends Sequenced> {
  /** The channel's name (under the node's Redis prefix). */
  channel: string;
  /** The text of a message of these entries after its opening brace and `node` (`"…":…}…`). */
  encode(entries: readonly E[]): string;
  /**
   * Hands each entry of a received message (its whole text, `{"node":…,` and `encode`'s) of a
   * log followed here to that log (`FollowedLog.take`), in the message's order within each log.
   * `followed` finds the logs, a key at a time or a message's list of keys at once
   * (remembered between messages).
   */
  decode(message: string, followed: FollowedLogs<FollowedLog<E>>): void;
}

/** One kind of log on Redis: how its entries are read back, and the channel prefix of its logs. */
export interface RedisLogKind<E extends Sequenced> {
  log: TailedLog<E>;
  /** `room:` or `inbox:`, before the log's key in its channel's name. */
  channelPrefix: string;
  /**
   * When set, the kind's entries travel on this one channel instead, one message per publish
   * whatever number of logs it concerns: a publish per log would cost the publishing node a
   * command per member of a room, and each receiving node a message per member to parse.
   * Every node that follows any of the kind's logs listens to it (and ignores what it does
   * not follow), so that traffic is the kind's whole traffic: worth it where one change
   * writes to many logs at once.
   */
  shared?: SharedLogChannel<E>;
}

/**
 * The event bus of several nodes for one kind of log (rooms' logs, users' inboxes): one
 * Redis channel per log (per room), subscribed once per
 * node while the room has listeners here. Events published on this node reach its own
 * listeners at once, without the round trip; other nodes' events are decoded once per
 * message and the same objects handed to every listener (the `RoomEventBus` contract), through
 * `RoomListeners`, which keeps one channel subscription per room however many listen here.
 *
 * Redis pub/sub delivers at most once: a message published while a node is reconnecting,
 * or never published because its node died after committing, is lost. The bus's
 * `RoomLogTail` finds such losses in the log within three `tailIntervalMs`.
 */
export class RedisLogBus<E extends Sequenced> {
  /**
   * The rooms followed here, each with one channel subscription, once for all its listeners
   * (found by a shared channel's lists of keys too, `FollowedLogs.among`).
   */
  private readonly rooms = new FollowedLogs<FollowedLog<E>>();
  private readonly listeners = new RoomListeners<E>({ subscribe: (roomId, listener) => this.follow(roomId, listener) });
  private readonly tail: RoomLogTail<E>;
  /** How this node's own messages on a channel begin: `{"node":"<id>",`. */
  private readonly ownOpening: string;
  /** The kind's shared channel (`kind.shared`) as listened to here while any log is followed. */
  private sharedListening: Promise<() => void> | undefined;

  constructor(
    private readonly redis: RedisConnection,
    private readonly kind: RedisLogKind<E>,
    private readonly logger: Logger,
    tailIntervalMs: number,
  ) {
    this.tail = new RoomLogTail<E>({
      log: kind.log,
      logger,
      intervalMs: tailIntervalMs,
      deliver: (roomId, events) => this.deliver(roomId, events),
    });
    this.tail.start();
    this.ownOpening = `${JSON.stringify({ node: redis.nodeId }).slice(0, -1)},`;
  }

  /**
   * Entries other nodes published that this node never heard on Redis and read from the log
   * instead (`RoomLogTail`), since it started: Redis pub/sub's losses, as seen here.
   */
  get entriesReadFromLog(): number {
    return this.tail.eventsReadFromLog;
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
  async publish(events: readonly E[]): Promise<void> {
    const byRoom = this.byLog(events);
    if (this.kind.shared) return this.publishShared(events, byRoom, this.kind.shared);
    const { encode } = this.kind.log;
    const messages: Array<{ roomId: string; events: E[]; message: string }> = [];
    for (const [roomId, roomEvents] of byRoom) {
      // `node` first: receivers know their own messages by their opening (`ownOpening`). The
      // entries' JSON as encoded before (an inbox entry's event when the log wrote it), or
      // now, before this node's watchers are framed them, which then reuse it.
      messages.push({
        roomId,
        events: roomEvents,
        message: `${this.ownOpening}"events":[${roomEvents.map(encode).join(",")}]}`,
      });
      this.deliver(roomId, roomEvents);
    }
    const lost = ({ roomId, events: roomEvents }: (typeof messages)[number], error: unknown) => {
      const seqs = roomEvents.map((event) => event.seq);
      this.logger.warn(
        { err: error, key: roomId, seqs },
        "log events not published; other nodes read them from the log",
      );
    };
    const [only] = messages;
    if (messages.length === 1 && only) {
      this.redis.commands
        .publish(this.channelOf(only.roomId), only.message)
        .catch((error: unknown) => lost(only, error));
      return;
    }
    // Several logs at once (a message's inbox entries, one per member): one write to Redis for all their channels.
    const pipeline = this.redis.commands.pipeline();
    for (const { roomId, message } of messages) pipeline.publish(this.channelOf(roomId), message);
    pipeline.exec().then(
      (results) => {
        for (const [i, [error]] of (results ?? []).entries())
          if (error) lost(messages[i] as (typeof messages)[number], error);
      },
      (error: unknown) => {
        for (const each of messages) lost(each, error);
      },
    );
  }

  /** `publish` on the kind's shared channel: one message for all the logs' entries. */
  private publishShared(events: readonly E[], byLog: Map<string, E[]>, shared: SharedLogChannel<E>): void {
    for (const [key, logEvents] of byLog) this.deliver(key, logEvents);
    this.redis.commands
      .publish(this.redis.key(shared.channel), `${this.ownOpening}${shared.encode(events)}`)
      .catch((error: unknown) => {
        this.logger.warn(
          { err: error, keys: byLog.size, entries: events.length },
          "log events not published; other nodes read them from the log",
        );
      });
  }

  subscribe(roomId: string, listener: LogListener<E>): Promise<() => void> {
    return this.listeners.add(roomId, listener);
  }

  /**
   * Follows a room for its listeners here: listens to its channel, then reads its newest seq,
   * from which its events are put in order. Answers the end of the following.
   */
  private async follow(roomId: string, listener: LogListener<E>): Promise<() => void> {
    const room = new FollowedLog<E>(roomId, listener, this.tail, (afterSeq, beforeSeq) =>
      this.readGap(roomId, afterSeq, beforeSeq),
    );
    this.rooms.set(roomId, room);
    const listening = this.kind.shared
      ? this.listenShared(this.kind.shared)
      : this.redis.channels.listen(this.channelOf(roomId), (raw) => {
          // This node's own publish comes back too: it was delivered here already, so it is
          // known by its opening (the node's id, written first) and not decoded.
          if (raw.startsWith(this.ownOpening)) return;
          const message = JSON.parse(raw) as BusMessage<E>;
          if (message.node === this.redis.nodeId) return;
          this.rememberOnlyEventJson(raw, message.events);
          this.deliverTo(room, message.events);
        });
    const stopListening = await listening.catch((error: unknown) => {
      this.unfollow(roomId, room);
      throw error;
    });
    try {
      // Only once the channel is live: anything committed after this read arrives on it.
      await this.tail.follow(roomId, room);
      room.startOrder(room.seen);
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

  /**
   * Listens to the kind's shared channel, once for every log followed here (each message is
   * parsed once, and its entries handed to the logs followed here), until the last of them
   * is no longer followed (`unfollow`). Answers what ends one log's share of it: nothing.
   */
  private async listenShared(shared: SharedLogChannel<E>): Promise<() => void> {
    this.sharedListening ??= this.redis.channels.listen(this.redis.key(shared.channel), (raw) =>
      this.receiveShared(raw, shared),
    );
    const listening = this.sharedListening;
    try {
      await listening;
    } catch (error) {
      if (this.sharedListening === listening) this.sharedListening = undefined;
      throw error;
    }
    return () => {};
  }

  /**
   * A message of the shared channel: its entries of the logs followed here, each to its log's
   * order as it comes (the message keeps each log's entries in their order), not grouped by
   * log first: a message's entries are mostly one per log (a member's summary of a message).
   */
  private receiveShared(raw: string, shared: SharedLogChannel<E>): void {
    // This node's own, delivered here already: known by their opening, which it wrote.
    if (raw.startsWith(this.ownOpening)) return;
    shared.decode(raw, this.rooms);
  }

  /**
   * A gap in a followed log's order that outlasted its hold (a busy node's publish, or a lost
   * one), read once for the node: left to its watchers, each would read it itself.
   */
  private async readGap(roomId: string, afterSeq: number, beforeSeq: number): Promise<E[]> {
    try {
      return await this.kind.log.read(roomId, afterSeq, Math.min(beforeSeq - afterSeq - 1, GAP_READ_LIMIT));
    } catch (error) {
      this.logger.warn({ err: error, key: roomId, afterSeq }, "gap in log events not read; watchers read it");
      return [];
    }
  }

  private unfollow(roomId: string, room: FollowedLog<E>): void {
    room.stop();
    // A room followed again meanwhile is the new following's to end.
    if (this.rooms.get(roomId) !== room) return;
    this.rooms.delete(roomId);
    this.tail.forget(roomId);
    if (this.rooms.size > 0 || !this.sharedListening) return;
    this.sharedListening.then(
      (stop) => stop(),
      () => {},
    );
    this.sharedListening = undefined;
  }

  private deliver(roomId: string, events: readonly E[]): void {
    const room = this.rooms.get(roomId);
    if (room) this.deliverTo(room, events);
  }

  private deliverTo(room: FollowedLog<E>, events: readonly E[]): void {
    for (const event of events) room.take(event);
  }

  /** The events by the log they belong to, in their order within each. */
  private byLog(events: readonly E[]): Map<string, E[]> {
    const byLog = new Map<string, E[]>();
    for (const event of events) {
      const key = this.kind.log.keyOf(event);
      const list = byLog.get(key);
      if (list) list.push(event);
      else byLog.set(key, [event]);
    }
    return byLog;
  }

  private channelOf(roomId: string): string {
    return this.redis.key(`${this.kind.channelPrefix}${roomId}`);
  }

  /**
   * Records the JSON of a bus message's one event as it came, which is `JSON.stringify` of the
   * object it was parsed into (the publisher wrote it so, `TailedLog.encode`): this node then
   * frames it for its watchers from these characters instead of encoding it again
   * (`TailedLog.received`: a room event as it is, an inbox entry's event from within it, each
   * member's entry of a message being a message of its own). The events of a message of
   * several are not delimited in it; they are encoded when framed.
   */
  private rememberOnlyEventJson(raw: string, events: readonly E[]): void {
    const [only] = events;
    if (events.length !== 1 || !only) return;
    // `{"node":…,"events":[<the event>]}`: the node's id, JSON-escaped, cannot hold the opening.
    this.kind.log.received(only, raw.slice(raw.indexOf(EVENTS_OPENING) + EVENTS_OPENING.length, -2));
  }
}
