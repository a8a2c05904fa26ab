import type { RoomEvent } from "./app-router.js";
import { type LiveState, liveState, subscribeWhileListened } from "./live-state.js";
import type { NatterClient } from "./natter-client.js";
import { withRetry } from "./retry.js";
import { type RoomUnreadCount, UnreadTally } from "./unread-tally.js";
import type { RoomWatch } from "./watch-room.js";

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
  tally: UnreadTally;
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
    for (const [roomId, { tally }] of counts) {
      const room = tally.count;
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
    const change = counts.get(roomId)?.tally.apply(event, userId);
    if (change === undefined) return;
    if (change === "gone") forget(roomId);
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
      const base = { unread: room.unreadCount, mentions: room.mentions };
      const count = counts.get(room.roomId);
      if (count) count.tally.rebase(base, room.lastSeq);
      else
        counts.set(room.roomId, {
          tally: new UnreadTally(base, room.lastSeq),
          watch: watch(room.roomId, room.lastSeq),
        });
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
      const seq = count?.tally.lastSeq ?? (await client.trpc.rooms.get.query({ roomId })).room.lastSeq;
      await client.trpc.messages.markRead.mutate({ roomId, seq });
      if (!count) return;
      // Messages that arrived while the call was under way stay unread.
      count.tally.markRead(seq);
      publish();
    },
    refresh,
  };
}
