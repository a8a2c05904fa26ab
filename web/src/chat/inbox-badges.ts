import { type InboxEvent, type RoomUnreadCount, type UnreadRoom, UnreadTally } from "@natter/client";
import { observable } from "../state/observable.js";

/**
 * Each joined room's unread messages and mentions of me, kept live from my inbox stream by
 * the SDK's counting rule (`UnreadTally`: the server's counts as of an inbox position, then
 * every entry after it), in an observable for the room list. The rooms badged are the ones counted here.
 */
export class InboxBadges {
  /** By room id. */
  readonly counts = observable<Readonly<Record<string, RoomUnreadCount>>>({});
  readonly #tally: UnreadTally;

  constructor(myId: string) {
    this.#tally = new UnreadTally(myId);
  }

  /** Takes the server's counts, which include the inbox up to `inboxSeq`; rooms not among them are dropped. */
  reset(rooms: readonly UnreadRoom[], inboxSeq: number): void {
    this.#tally.reset(rooms, inboxSeq);
    this.#publish();
  }

  /**
   * Applies one inbox entry, unless the counts include it already. `reading(roomId)`: whether
   * the room is on screen, where new messages count as read.
   */
  apply(event: InboxEvent, reading: (roomId: string) => boolean): void {
    if (this.#tally.apply(event, reading)) this.#publish();
  }

  /** Starts counting a room I am now in, from none (a new member's read cursor starts at the room's newest message). */
  add(roomId: string): void {
    if (this.#tally.add(roomId)) this.#publish();
  }

  /** The room is being read: nothing in it is unread. */
  clear(roomId: string): void {
    if (this.#tally.clear(roomId)) this.#publish();
  }

  /** Stops counting a room I am no longer in. */
  forget(roomId: string): void {
    if (this.#tally.forget(roomId)) this.#publish();
  }

  #publish(): void {
    this.counts.set(this.#tally.counts);
  }
}
