import type { RoomEvent } from "./app-router.js";

/** One room's unread messages: not by the user, not deleted, after their read cursor. */
export interface RoomUnreadCount {
  unread: number;
  /** Of those, the ones that mention the user (by name, or `@room`). */
  mentions: number;
}

/**
 * What an event did to a room's tally: `changed` its counts, or the user is `gone` from the
 * room (it was deleted, they left or were removed); undefined when nothing changed.
 */
export type TallyChange = "changed" | "gone" | undefined;

/**
 * A room's unread count kept live: the server's count at the last fetch, plus the messages
 * counted from the room's events since. A room message by someone else counts one more (and one
 * more mention if it names the user or `@room`), its deletion takes it back, marking read
 * clears what the cursor covers. The counting rule of the SDK's `createUnreadCounts`, from room
 * events (the web app counts from the inbox stream instead, one subscription for all rooms).
 */
export class UnreadTally {
  /** The newest seq of the room this tally has seen. */
  lastSeq: number;
  #base: RoomUnreadCount;
  /** The seq the fetched counts cover. */
  #covered: number;
  /** Messages counted live since the fetch, by id. */
  readonly #live = new Map<string, { seq: number; mentionsMe: boolean }>();

  /** Starts from the server's counts, which cover the room up to `lastSeq`. */
  constructor(base: RoomUnreadCount, lastSeq: number) {
    this.#base = base;
    this.#covered = lastSeq;
    this.lastSeq = lastSeq;
  }

  /** The counts now. */
  get count(): RoomUnreadCount {
    let mentions = this.#base.mentions;
    for (const message of this.#live.values()) if (message.mentionsMe) mentions += 1;
    return { unread: this.#base.unread + this.#live.size, mentions };
  }

  /** Takes the server's counts again; what was counted live beyond the seq they cover stays. */
  rebase(base: RoomUnreadCount, lastSeq: number): void {
    this.#base = base;
    this.#covered = lastSeq;
    if (lastSeq >= this.lastSeq) this.#live.clear();
    else for (const [id, message] of this.#live) if (message.seq <= lastSeq) this.#live.delete(id);
    this.lastSeq = Math.max(this.lastSeq, lastSeq);
  }

  /** Applies one event of the room, for the signed-in user `userId`. */
  apply(event: RoomEvent, userId: string | undefined): TallyChange {
    this.lastSeq = Math.max(this.lastSeq, event.seq);
    switch (event.type) {
      case "message.created": {
        const { authorId, mentions, mentionsRoom, id, threadId, alsoInRoom } = event.message;
        // A thread reply is read in its thread unless it was also sent to the room (the server counts those too),
        // and a message the fetched count covers is in it already.
        const inThreadOnly = threadId !== null && !alsoInRoom;
        if (authorId === userId || inThreadOnly || event.seq <= this.#covered || this.#live.has(id)) return undefined;
        this.#live.set(id, {
          seq: event.seq,
          mentionsMe: mentionsRoom || mentions.some((mention) => mention.userId === userId),
        });
        return "changed";
      }
      case "message.deleted":
        return this.#live.delete(event.messageId) ? "changed" : undefined;
      case "room.deleted":
        return "gone";
      case "member.left":
      case "member.kicked":
        return event.userId === userId ? "gone" : undefined;
      default:
        return undefined;
    }
  }

  /** The read cursor moved to `seq`: nothing before it is unread; what came after stays. */
  markRead(seq: number): void {
    this.#base = { unread: 0, mentions: 0 };
    for (const [id, message] of this.#live) if (message.seq <= seq) this.#live.delete(id);
  }
}
