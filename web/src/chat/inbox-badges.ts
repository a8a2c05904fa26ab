import type { InboxEvent, RoomUnreadCount, RouterOutputs } from "@natter/client";
import { observable } from "../state/observable.js";

type UnreadRoom = RouterOutputs["messages"]["unread"]["rooms"][number];

const NONE: RoomUnreadCount = { unread: 0, mentions: 0 };

/**
 * Each joined room's unread messages and mentions of me, kept live from my inbox stream: the
 * server's counts as of an inbox position (`messages.unread` answers both in one statement),
 * then every entry after it. A message by someone else counts one more, and one more mention
 * when it mentions me; `unread.changed` gives a room's counts as they now stand (I read, or a
 * message I had unread was deleted). The rooms badged are the ones counted here.
 */
export class InboxBadges {
  /** By room id. */
  readonly counts = observable<Readonly<Record<string, RoomUnreadCount>>>({});
  readonly #myId: string;
  /** The inbox position the counts include: entries at or before it are in them already. */
  #covered = 0;

  constructor(myId: string) {
    this.#myId = myId;
  }

  /** Takes the server's counts, which include the inbox up to `inboxSeq`; rooms not among them are dropped. */
  reset(rooms: readonly UnreadRoom[], inboxSeq: number): void {
    this.#covered = inboxSeq;
    this.counts.set(
      Object.fromEntries(rooms.map((room) => [room.roomId, { unread: room.unreadCount, mentions: room.mentions }])),
    );
  }

  /**
   * Applies one inbox entry, unless the counts include it already. `reading(roomId)`: whether
   * the room is on screen, where new messages count as read.
   */
  apply(event: InboxEvent, reading: (roomId: string) => boolean): void {
    if (event.seq <= this.#covered) return;
    const { roomId } = event;
    switch (event.type) {
      case "message.created": {
        const known = this.counts.get()[roomId];
        if (!known || event.author.userId === this.#myId || reading(roomId)) return;
        this.#set(roomId, { unread: known.unread + 1, mentions: known.mentions + (event.mentioned ? 1 : 0) });
        return;
      }
      case "unread.changed":
        if (roomId in this.counts.get()) this.#set(roomId, reading(roomId) ? NONE : event);
        return;
    }
  }

  /** Starts counting a room I am now in, from none (a new member's read cursor starts at the room's newest message). */
  add(roomId: string): void {
    if (!(roomId in this.counts.get())) this.#set(roomId, NONE);
  }

  /** The room is being read: nothing in it is unread. */
  clear(roomId: string): void {
    const known = this.counts.get()[roomId];
    if (known && (known.unread > 0 || known.mentions > 0)) this.#set(roomId, NONE);
  }

  /** Stops counting a room I am no longer in. */
  forget(roomId: string): void {
    const { [roomId]: _gone, ...others } = this.counts.get();
    if (_gone) this.counts.set(others);
  }

  #set(roomId: string, { unread, mentions }: RoomUnreadCount): void {
    this.counts.update((counts) => ({ ...counts, [roomId]: { unread, mentions } }));
  }
}
