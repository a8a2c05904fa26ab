import type { InboxEvent, RouterOutputs } from "./app-router.js";

/** One room's unread messages: not by the user, not deleted, after their read cursor. */
export interface RoomUnreadCount {
  unread: number;
  /** Of those, the ones that mention the user (by name, or `@room`). */
  mentions: number;
}

/** One room's counts as `messages.unread` (`GET /me/unread`) answers them. */
export type UnreadRoom = Pick<
  RouterOutputs["messages"]["unread"]["rooms"][number],
  "roomId" | "unreadCount" | "mentions"
>;

const NONE: RoomUnreadCount = { unread: 0, mentions: 0 };

/**
 * Each joined room's unread messages and mentions of the user, kept live from their inbox
 * stream (one subscription for all rooms): the server's counts as of an inbox position
 * (`messages.unread` answers both in one statement), then every entry after it. A message by
 * someone else counts one more, and one more mention when it mentions the user;
 * `unread.changed` gives a room's counts as they now stand (the user read, or a message they
 * had unread was deleted); `room.added` and `dm.created` start a room at none (a new member's
 * read cursor is the room's newest message), `room.removed` drops it. The counting rule of the
 * SDK's `createUnreadCounts` and of natter's web app.
 */
export class UnreadTally {
  /** By room id; a new object after each change. */
  counts: Readonly<Record<string, RoomUnreadCount>> = {};
  readonly #myId: string;
  /** The inbox position the counts include: entries at or before it are in them already. */
  #covered = 0;

  /** Counts for the user `myId` (their own messages are never unread). */
  constructor(myId: string) {
    this.#myId = myId;
  }

  /** Takes the server's counts, which include the inbox up to `inboxSeq`; rooms not among them are dropped. */
  reset(rooms: readonly UnreadRoom[], inboxSeq: number): void {
    this.#covered = inboxSeq;
    this.counts = Object.fromEntries(
      rooms.map((room) => [room.roomId, { unread: room.unreadCount, mentions: room.mentions }]),
    );
  }

  /**
   * Applies one inbox entry, unless the counts include it already; answers whether they
   * changed. `reading(roomId)`: whether the room is being read, where new messages count as read.
   */
  apply(event: InboxEvent, reading: (roomId: string) => boolean = () => false): boolean {
    if (event.seq <= this.#covered) return false;
    const { roomId } = event;
    const known = this.counts[roomId];
    switch (event.type) {
      case "message.created":
        if (!known || event.author.userId === this.#myId || reading(roomId)) return false;
        return this.#set(roomId, { unread: known.unread + 1, mentions: known.mentions + (event.mentioned ? 1 : 0) });
      case "unread.changed":
        return known !== undefined && this.#set(roomId, reading(roomId) ? NONE : event);
      case "room.added":
      case "dm.created":
        return this.add(roomId);
      case "room.removed":
        return this.forget(roomId);
      default:
        return false;
    }
  }

  /** Starts counting a room the user is now in, from none; answers whether it was new. */
  add(roomId: string): boolean {
    return !(roomId in this.counts) && this.#set(roomId, NONE);
  }

  /** The room is being read: nothing in it is unread. Answers whether its counts changed. */
  clear(roomId: string): boolean {
    const known = this.counts[roomId];
    return known !== undefined && (known.unread > 0 || known.mentions > 0) && this.#set(roomId, NONE);
  }

  /** Stops counting a room the user is no longer in; answers whether it was counted. */
  forget(roomId: string): boolean {
    if (!(roomId in this.counts)) return false;
    const { [roomId]: _gone, ...others } = this.counts;
    this.counts = others;
    return true;
  }

  #set(roomId: string, { unread, mentions }: RoomUnreadCount): true {
    this.counts = { ...this.counts, [roomId]: { unread, mentions } };
    return true;
  }
}
