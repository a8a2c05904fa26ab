import type { RoomEvent } from "./app-router.js";
import { type LiveState, liveState, subscribeWhileListened } from "./live-state.js";
import type { NatterClient } from "./natter-client.js";
import { withRetry } from "./retry.js";
import type { RoomWatch } from "./watch-room.js";

/** One room's unread messages: not by the user, not deleted, after their read cursor. */
export interface RoomUnreadCount {
  unread: number;
  /** Of those, the ones that mention the user (by name, or `@room`). */
  mentions: number;
}

/** The signed-in user's unread messages, per joined room. */
export interface UnreadState {
  /** By room id. */
  rooms: Readonly<Record<string, RoomUnreadCount>>;
  /** Unread messages over all rooms. */
  total: number;
  /** Unread mentions over all rooms. */
  mentions: number;
  /** `loading` until the counts are in; `reconnecting` while any room's live stream is. */
  status: "loading" | "live" | "reconnecting";
}

/** Unread counts kept live while anyone listens. */
export interface UnreadCounts extends LiveState<UnreadState> {
  /** Moves the user's read cursor in a room to its newest message, and its count to 0. */
  markRead(roomId: string): Promise<void>;
  /** Fetches the counts again and watches rooms joined since (being added by someone else sends the user no event). */
  refresh(): Promise<void>;
}

export interface UnreadCountsOptions {
  /** How often the counts are fetched again while listened to (default 30 s); 0 never. */
  refreshMs?: number;
}

/** Rooms counted live at once: each is one subscription on the shared WebSocket. */
const ROOMS_MAX = 100;
const INITIAL: UnreadState = { rooms: {}, total: 0, mentions: 0, status: "loading" };

interface RoomCount {
  /** The server's counts at the last fetch. */
  base: RoomUnreadCount;
  /** Messages counted live since, by id (a deletion takes one back). */
  live: Map<string, { seq: number; mentionsMe: boolean }>;
  lastSeq: number;
  watch: RoomWatch;
}

/**
 * The user's unread count in every joined room: fetched once (`messages.unread`), then kept
 * live from each room's event stream: a message by someone else counts one more, its
 * deletion one less, marking read resets it. Nothing happens until the first listener
 * subscribes; everything stops shortly after the last leaves.
 */
export function createUnreadCounts(
  client: NatterClient,
  { refreshMs = 30_000 }: UnreadCountsOptions = {},
): UnreadCounts {
  const state = liveState<UnreadState>(INITIAL);
  const counts = new Map<string, RoomCount>();
  const reconnecting = new Set<string>();
  let userId: string | undefined;
  let running: { abort: AbortController; timer: ReturnType<typeof setInterval> | undefined } | undefined;
  let loaded = false;

  const publish = () => {
    const rooms: Record<string, RoomUnreadCount> = {};
    let total = 0;
    let mentions = 0;
    for (const [roomId, count] of counts) {
      let liveMentions = 0;
      for (const message of count.live.values()) if (message.mentionsMe) liveMentions += 1;
      const room = { unread: count.base.unread + count.live.size, mentions: count.base.mentions + liveMentions };
      rooms[roomId] = room;
      total += room.unread;
      mentions += room.mentions;
    }
    const status = !loaded ? "loading" : reconnecting.size > 0 ? "reconnecting" : "live";
    state.update(() => ({ rooms, total, mentions, status }));
  };

  const forget = (roomId: string) => {
    counts.get(roomId)?.watch.stop();
    counts.delete(roomId);
    reconnecting.delete(roomId);
  };

  const onEvent = (roomId: string, event: RoomEvent) => {
    const count = counts.get(roomId);
    if (!count) return;
    count.lastSeq = event.seq;
    switch (event.type) {
      case "message.created": {
        const { authorId, mentions, mentionsRoom } = event.message;
        if (authorId === userId) return;
        count.live.set(event.message.id, {
          seq: event.seq,
          mentionsMe: mentionsRoom || mentions.some((mention) => mention.userId === userId),
        });
        break;
      }
      case "message.deleted":
        if (!count.live.delete(event.messageId)) return;
        break;
      case "room.deleted":
        forget(roomId);
        break;
      case "member.left":
      case "member.kicked":
        if (event.userId !== userId) return;
        forget(roomId);
        break;
      default:
        return;
    }
    publish();
  };

  const watch = (roomId: string, afterSeq: number): RoomWatch =>
    client.watchRoom(
      roomId,
      {
        onEvent: (event) => onEvent(roomId, event),
        onStateChange: (watchState) => {
          if (watchState === "reconnecting") reconnecting.add(roomId);
          else reconnecting.delete(roomId);
          publish();
        },
        onEnd: ({ reason }) => {
          if (reason !== "stopped") {
            forget(roomId);
            publish();
          }
        },
      },
      { afterSeq },
    );

  const refresh = async () => {
    const signal = running?.abort.signal;
    if (!signal) return;
    const [me, unread] = await Promise.all([
      userId === undefined
        ? withRetry((s) => client.trpc.users.me.query(undefined, { signal: s }), { signal })
        : undefined,
      withRetry((s) => client.trpc.messages.unread.query({ limit: ROOMS_MAX }, { signal: s }), { signal }),
    ]);
    if (signal.aborted) return;
    if (me) userId = me.user.id;
    const joined = new Set(unread.rooms.map((room) => room.roomId));
    for (const roomId of [...counts.keys()]) if (!joined.has(roomId)) forget(roomId);
    for (const room of unread.rooms) {
      const count = counts.get(room.roomId);
      if (count) {
        // The fetched count covers the room up to its lastSeq; what the stream counted beyond stays.
        count.base = { unread: room.unreadCount, mentions: room.mentions };
        if (room.lastSeq >= count.lastSeq) count.live.clear();
      } else {
        counts.set(room.roomId, {
          base: { unread: room.unreadCount, mentions: room.mentions },
          live: new Map(),
          lastSeq: room.lastSeq,
          watch: watch(room.roomId, room.lastSeq),
        });
      }
    }
    loaded = true;
    publish();
  };

  const start = () => {
    running = {
      abort: new AbortController(),
      timer: refreshMs > 0 ? setInterval(() => refresh().catch(() => {}), refreshMs) : undefined,
    };
    loaded = false;
    refresh().catch(() => {});
  };

  const stop = () => {
    if (!running) return;
    running.abort.abort();
    clearInterval(running.timer);
    running = undefined;
    for (const roomId of [...counts.keys()]) forget(roomId);
    state.update(() => INITIAL);
  };

  return {
    getSnapshot: state.getSnapshot,
    subscribe: subscribeWhileListened(state, start, stop),
    async markRead(roomId) {
      const count = counts.get(roomId);
      const seq = count?.lastSeq ?? (await client.trpc.rooms.get.query({ roomId })).room.lastSeq;
      await client.trpc.messages.markRead.mutate({ roomId, seq });
      if (!count) return;
      count.base = { unread: 0, mentions: 0 };
      // Messages that arrived while the call was under way stay unread.
      for (const [id, message] of count.live) if (message.seq <= seq) count.live.delete(id);
      publish();
    },
    refresh,
  };
}
