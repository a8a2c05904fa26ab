import type { Database } from "@natter/db";
import { NatterError, type RoomEvent } from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../auth/auth-session.js";
import { LiveEventQueue } from "../events/live-event-queue.js";
import type { RoomEventBus } from "../events/room-event-bus.js";
import { RoomListeners } from "../events/room-listeners.js";
import { readRoomEvents } from "../events/room-log.js";
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
   */
  async *watch(
    session: AuthSession | null,
    roomId: string,
    afterSeq: number | undefined,
    signal?: AbortSignal,
    deliver?: (event: RoomEvent) => void,
    opened?: () => void,
  ): AsyncGenerator<RoomEvent, void> {
    const { db } = this.deps;
    const live = new LiveEventQueue(LIVE_QUEUE_CAPACITY, signal);
    const watcher = new CaughtUpWatcher(live, deliver);
    const stopListening = await this.listeners.add(roomId, watcher.onEvent);
    try {
      // Access and position are read after listening, so no entry falls between the two.
      const access = await readableRoom(db, roomId, session);
      if (afterSeq !== undefined && afterSeq > access.lastSeq) {
        throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
          issues: [{ path: "lastEventId", message: `is past the room's newest event (seq ${access.lastSeq})` }],
        });
      }
      const view = new WatcherView(session?.userId ?? null, access.role !== null, access.lastSeq);
      watcher.view = view;
      watcher.lastSent = afterSeq ?? access.lastSeq;
      opened?.();
      let catchingUp = afterSeq !== undefined;
      // Set by an overflow until the catch-up it caused has reached the end of the log.
      let overflowed = false;
      // The seq of a live event a catch-up already tried to close the gap before.
      let gapTriedFor = 0;
      while (!signal?.aborted) {
        if (live.takeOverflow()) catchingUp = overflowed = true;
        if (catchingUp) {
          const batch = await readRoomEvents(db, roomId, watcher.lastSent, CATCH_UP_BATCH);
          catchingUp = batch.length === CATCH_UP_BATCH;
          for (const event of batch) {
            watcher.lastSent = event.seq;
            yield event;
            if (view.endsWith(event)) return;
          }
          // The overflow may have taken the room's deletion, and the deletion the log: with
          // nothing left to tell the watcher, it would wait forever. Reconnecting would answer
          // ROOM_NOT_FOUND; so does this.
          if (overflowed && !catchingUp && !live.peek()) {
            overflowed = false;
            await readableRoom(db, roomId, session);
          }
          continue;
        }
        const next = live.peek();
        if (!next) {
          // Caught up: from here the watcher delivers live entries itself, until something
          // sends it back here (its queue then holds that entry) or its view ends.
          if (watcher.goLive()) {
            if (!(await live.wait())) return;
            if (watcher.ended) return;
            continue;
          }
          if (!(await live.wait())) return;
          continue;
        }
        if (next.seq <= watcher.lastSent) {
          live.drop();
          continue;
        }
        // The bus may reorder: the log, committed before publishing, fills the gap. If the
        // log lacks it even so (the room was deleted with its log), the event goes as it is.
        if (next.seq > watcher.lastSent + 1 && gapTriedFor !== next.seq) {
          gapTriedFor = next.seq;
          catchingUp = true;
          continue;
        }
        live.drop();
        watcher.lastSent = next.seq;
        yield next;
        if (view.endsWith(next)) return;
      }
    } finally {
      stopListening();
    }
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
      if (event.seq === this.lastSent + 1) {
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
