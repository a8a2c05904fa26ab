import type { Database } from "@natter/db";
import { NatterError, type RoomEvent } from "@natter/shared";
import type { Kysely } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { type LogSource, LogStream } from "../../events/log-stream.js";
import type { PushStream } from "../../events/push-stream.js";
import type { LogListener, RoomEventBus } from "../../events/room-event-bus.js";
import { RoomListeners } from "../../events/room-listeners.js";
import { readRoomEvents } from "../../events/room-log.js";
import { readableRoom } from "../access/room-access.js";
import { isPersonal, withCurrentState } from "../conversations/current-state.js";

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
    const source = new RoomLogSource(this.deps.db, this.listeners, session, roomId);
    return new LogStream(source, afterSeq, signal, deliver, opened);
  }
}

/** One room's log as one caller may watch it. */
class RoomLogSource implements LogSource<RoomEvent> {
  private view: WatcherView | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly listeners: RoomListeners,
    private readonly session: AuthSession | null,
    private readonly roomId: string,
  ) {}

  private get userId(): string | null {
    return this.session?.userId ?? null;
  }

  listen(listener: LogListener<RoomEvent>): Promise<() => void> {
    return this.listeners.add(this.roomId, listener);
  }

  async open(afterSeq: number | undefined): Promise<number> {
    const access = await readableRoom(this.db, this.roomId, this.session);
    if (afterSeq !== undefined && afterSeq > access.lastSeq) {
      throw new NatterError("VALIDATION_FAILED", "Input validation failed", {
        issues: [{ path: "lastEventId", message: `is past the room's newest event (seq ${access.lastSeq})` }],
      });
    }
    this.view = new WatcherView(this.userId, access.role !== null, access.lastSeq);
    return access.lastSeq;
  }

  async read(afterSeq: number, limit: number): Promise<RoomEvent[]> {
    return withCurrentState(this.db, await readRoomEvents(this.db, this.roomId, afterSeq, limit), this.userId);
  }

  endsWith(event: RoomEvent): boolean {
    return this.view?.endsWith(event) ?? false;
  }

  isPersonal(event: RoomEvent): boolean {
    return isPersonal(event, this.userId);
  }

  async personalize(event: RoomEvent): Promise<RoomEvent> {
    const [own] = await withCurrentState(this.db, [event], this.userId);
    return own ?? event;
  }

  async afterOverflow(): Promise<void> {
    // Reconnecting would answer ROOM_NOT_FOUND for a room gone with its log; so does this.
    await readableRoom(this.db, this.roomId, this.session);
  }
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
