import type { Database } from "@natter/db";
import { NatterError, type RoomEvent } from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../auth/auth-session.js";
import { LiveEventQueue } from "../events/live-event-queue.js";
import type { PushStream, StreamSink } from "../events/push-stream.js";
import type { RoomEventBus } from "../events/room-event-bus.js";
import { RoomListeners } from "../events/room-listeners.js";
import { readRoomEvents } from "../events/room-log.js";
import { isPersonal, withCurrentState } from "./conversations/current-state.js";
import { readableRoom } from "./room-access.js";

/** Log entries read per query while a watcher catches up. */
const CATCH_UP_BATCH = 200;
/** Live events held per watcher; past this it drops them and catches up from the log. */
const LIVE_QUEUE_CAPACITY = 500;

export interface RoomEventsServiceDeps {
  db: Kysely<Database>;
  events: RoomEventBus;
}

/** Live, gapless streams of a room's log. */
export class RoomEventsService {
  /** This node's watchers of each room, one bus subscription per room. */
  private readonly listeners: RoomListeners;

  constructor(private readonly deps: RoomEventsServiceDeps) {
    this.listeners = new RoomListeners(deps.events);
  }

  /**
   * Every entry of the room's log after `afterSeq`, in `seq` order, each exactly once: first
   * what the log already holds, then live. Without `afterSeq` the stream starts live at the
   * room's newest entry. Open rooms may be watched by anyone, closed ones by members.
   *
   * The stream ends after an entry that ends the caller's view: the room deleted, the
   * caller kicked or gone, or the room closed while the caller is not a member. An
   * `afterSeq` past the room's newest entry is refused: that position was never reached,
   * and going on from it would silently skip the entries up to it.
   *
   * With `deliver`, a watcher that has caught up hands each next live entry to it the
   * moment it is published, instead of yielding it: the fast path of a caught-up watcher.
   * The same order and exactly-once rules hold across both ways out; a gap, an overflow or
   * a reordering sends the watcher back to the log, and then to yielding, until it has
   * caught up again.
   *
   * `opened` is called once the access check and the position have passed, before anything
   * is yielded or delivered: a transport that answers refusals differently from a stream's
   * start (an HTTP status before an event stream's headers) starts streaming then.
   *
   * The stream can be iterated, or driven through `pushTo` (see `PushStream`), which an
   * idle watcher's transport prefers.
   */
  watch(
    session: AuthSession | null,
    roomId: string,
    afterSeq: number | undefined,
    signal?: AbortSignal,
    deliver?: (event: RoomEvent) => void,
    opened?: () => void,
  ): AsyncGenerator<RoomEvent, void> & PushStream<RoomEvent> {
    return new RoomEventStream(this.deps.db, this.listeners, session, roomId, afterSeq, signal, deliver, opened);
  }
}

/** What a stream's step comes to: an entry to hand out, the end, or a wait for the live queue. */
type Step = IteratorResult<RoomEvent, void> | typeof WAIT;
const WAIT = Symbol("wait");
const DONE: IteratorReturnResult<void> = Object.freeze({ done: true, value: undefined });

/**
 * One watch of a room's log (see `RoomEventsService.watch`), as an iterator object rather
 * than an async generator: a watcher waiting for the live queue, which is what nearly every
 * watcher does nearly all the time, then holds its pending `next` and its fields, not a
 * suspended generator frame and its promise chain. Entries are pulled one `next` at a time.
 */
class RoomEventStream implements AsyncGenerator<RoomEvent, void>, PushStream<RoomEvent> {
  private live: LiveEventQueue | null = null;
  private watcher: CaughtUpWatcher | null = null;
  private view: WatcherView | null = null;
  private stopListening: (() => void) | null = null;
  /** Set once the stream has ended, or will after the entry it just handed out. */
  private finished = false;
  private catchingUp: boolean;
  /** Set by an overflow until the catch-up it caused has reached the end of the log. */
  private overflowed = false;
  /** The seq of a live event a catch-up already tried to close the gap before. */
  private gapTriedFor = 0;
  /** A catch-up batch read from the log, handed out from `batchIndex`; null when none is. */
  private batch: RoomEvent[] | null = null;
  private batchIndex = 0;
  /** The settling of the pending `next`. */
  private resolve: ((result: IteratorResult<RoomEvent, void>) => void) | null = null;
  private reject: ((cause: unknown) => void) | null = null;
  /** Where entries go when the stream is pushed rather than iterated. */
  private sink: StreamSink<RoomEvent> | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly listeners: RoomListeners,
    private readonly session: AuthSession | null,
    private readonly roomId: string,
    private readonly afterSeq: number | undefined,
    private readonly signal: AbortSignal | undefined,
    private readonly deliver: ((event: RoomEvent) => void) | undefined,
    private readonly opened: (() => void) | undefined,
  ) {
    this.catchingUp = afterSeq !== undefined;
  }

  private get userId(): string | null {
    return this.session?.userId ?? null;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  pushTo(sink: StreamSink<RoomEvent>): void {
    this.sink = sink;
    this.run();
  }

  next(): Promise<IteratorResult<RoomEvent, void>> {
    return new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.run();
    });
  }

  async return(): Promise<IteratorResult<RoomEvent, void>> {
    return this.end();
  }

  async throw(cause: unknown): Promise<IteratorResult<RoomEvent, void>> {
    this.end();
    throw cause;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.end();
  }

  /**
   * Steps until an entry, the end or a wait for the live queue, and settles the pending
   * `next`, or hands the entry to the sink and steps on.
   */
  private run(): void {
    this.step().then(
      (step) => {
        if (step !== WAIT) this.settle(step);
        // A live entry may have ended the view between going live and here.
        else if (this.watcher?.ended) this.settle(this.end());
        else (this.live as LiveEventQueue).whenReady(this.resume);
      },
      (cause: unknown) => {
        this.end();
        if (this.sink) this.sink.fail(cause);
        else this.reject?.(cause);
      },
    );
  }

  private settle(step: IteratorResult<RoomEvent, void>): void {
    const { sink } = this;
    if (!sink) this.resolve?.(step);
    else if (step.done) sink.end();
    else {
      const held = sink.value(step.value);
      if (held) void held.then(this.stepOn);
      else this.run();
    }
  }

  /** Steps on once a sink that held the stream back lets go. */
  private readonly stepOn = (): void => this.run();

  private readonly resume = (woken: boolean): void => {
    // An entry delivered live may have ended the watcher's view.
    if (!woken || this.watcher?.ended) this.settle(this.end());
    else this.run();
  };

  private async step(): Promise<Step> {
    if (this.finished) return this.end();
    if (!this.view) {
      await this.start();
      if (this.finished) return this.end();
    }
    const live = this.live as LiveEventQueue;
    const watcher = this.watcher as CaughtUpWatcher;
    const view = this.view as unknown as WatcherView;
    while (!this.signal?.aborted) {
      if (this.batch) {
        const event = this.batch[this.batchIndex];
        if (event) {
          this.batchIndex += 1;
          watcher.lastSent = event.seq;
          if (view.endsWith(event)) this.finished = true;
          return { done: false, value: event };
        }
        this.batch = null;
        // The overflow may have taken the room's deletion, and the deletion the log: with
        // nothing left to tell the watcher, it would wait forever. Reconnecting would answer
        // ROOM_NOT_FOUND; so does this.
        if (this.overflowed && !this.catchingUp && !live.peek()) {
          this.overflowed = false;
          await readableRoom(this.db, this.roomId, this.session);
        }
        continue;
      }
      if (live.takeOverflow()) this.catchingUp = this.overflowed = true;
      if (this.catchingUp) {
        const read = await readRoomEvents(this.db, this.roomId, watcher.lastSent, CATCH_UP_BATCH);
        this.catchingUp = read.length === CATCH_UP_BATCH;
        this.batch = await withCurrentState(this.db, read, this.userId);
        this.batchIndex = 0;
        continue;
      }
      const next = live.peek();
      // Caught up: from here the watcher delivers live entries itself (when it can), until
      // something sends it back here (its queue then holds that entry) or its view ends.
      if (!next) {
        watcher.goLive();
        return WAIT;
      }
      if (next.seq <= watcher.lastSent) {
        live.drop();
        continue;
      }
      // The bus may reorder: the log, committed before publishing, fills the gap. If the
      // log lacks it even so (the room was deleted with its log), the event goes as it is.
      if (next.seq > watcher.lastSent + 1 && this.gapTriedFor !== next.seq) {
        this.gapTriedFor = next.seq;
        this.catchingUp = true;
        continue;
      }
      live.drop();
      watcher.lastSent = next.seq;
      if (view.endsWith(next)) this.finished = true;
      if (!isPersonal(next, this.userId)) return { done: false, value: next };
      const [own] = await withCurrentState(this.db, [next], this.userId);
      return { done: false, value: own ?? next };
    }
    return this.end();
  }

  /** Starts listening, then checks access and position, so no entry falls between the two. */
  private async start(): Promise<void> {
    const live = new LiveEventQueue(LIVE_QUEUE_CAPACITY, this.signal);
    const watcher = new CaughtUpWatcher(live, this.deliver, this.userId);
    this.live = live;
    this.watcher = watcher;
    const stopListening = await this.listeners.add(this.roomId, watcher.onEvent);
    // Returned while the bus subscribed: nothing is left to listen for.
    if (this.finished) return stopListening();
    this.stopListening = stopListening;
    const access = await readableRoom(this.db, this.roomId, this.session);
    const { afterSeq } = this;
    if (afterSeq !== undefined && afterSeq > access.lastSeq) {
      throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
        issues: [{ path: "lastEventId", message: `is past the room's newest event (seq ${access.lastSeq})` }],
      });
    }
    this.view = new WatcherView(this.session?.userId ?? null, access.role !== null, access.lastSeq);
    watcher.view = this.view;
    watcher.lastSent = afterSeq ?? access.lastSeq;
    this.opened?.();
  }

  private end(): IteratorReturnResult<void> {
    this.finished = true;
    this.stopListening?.();
    this.stopListening = null;
    return DONE;
  }
}

/**
 * One watcher's side of the room's listeners. While queueing (catching up, or without a
 * `deliver`), it queues every event for the generator. Once live, it hands the next entry
 * in `seq` order straight to `deliver` and drops what was already sent; anything else (a
 * gap) goes to the queue, which wakes the generator to fill it from the log.
 */
class CaughtUpWatcher {
  lastSent = 0;
  view: WatcherView | null = null;
  /** Set when a live entry ended the watcher's view; the generator then returns. */
  ended = false;
  private live = false;

  constructor(
    private readonly queue: LiveEventQueue,
    private readonly deliver: ((event: RoomEvent) => void) | undefined,
    /** Events this watcher must see its own way (`isPersonal`) go through the queue, which reads them so. */
    private readonly userId: string | null,
  ) {}

  /** Switches to delivering live entries itself; false when it has no way to deliver. */
  goLive(): boolean {
    if (!this.deliver) return false;
    this.live = true;
    return true;
  }

  readonly onEvent = (event: RoomEvent): void => {
    if (this.live && this.deliver) {
      if (event.seq <= this.lastSent) return;
      if (event.seq === this.lastSent + 1 && !isPersonal(event, this.userId)) {
        this.lastSent = event.seq;
        this.deliver(event);
        if (this.view?.endsWith(event)) {
          this.live = false;
          this.ended = true;
          this.queue.interrupt();
        }
        return;
      }
      this.live = false;
    }
    this.queue.push(event);
  };
}

/** What a watcher may still see, as the log's entries after its access check unfold. */
class WatcherView {
  constructor(
    private readonly userId: string | null,
    private member: boolean,
    /** Entries up to here were already accounted for by the access check. */
    private readonly checkedSeq: number,
  ) {}

  /** Whether the stream must end after this entry. */
  endsWith(event: RoomEvent): boolean {
    if (event.seq <= this.checkedSeq) return false;
    switch (event.type) {
      case "room.deleted":
        return true;
      case "member.left":
      case "member.kicked":
        return event.userId === this.userId;
      case "member.joined":
        if (event.member.userId === this.userId) this.member = true;
        return false;
      case "room.updated":
        return !event.open && !this.member;
      default:
        return false;
    }
  }
}
