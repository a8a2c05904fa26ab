import type { InboxEvent } from "./app-router.js";
import { type LiveState, liveState, subscribeWhileListened } from "./live-state.js";
import type { NatterClient } from "./natter-client.js";
import { withRetry } from "./retry.js";
import type { ConnectionState } from "./seq-watch.js";
import { type RoomUnreadCount, UnreadTally } from "./unread-tally.js";
import type { InboxWatch } from "./watch-inbox.js";

/** The signed-in user's unread messages, per joined room. */
export interface UnreadState {
  /** By room id. */
  rooms: Readonly<Record<string, RoomUnreadCount>>;
  /** Unread messages over all rooms. */
  total: number;
  /** Unread mentions over all rooms. */
  mentions: number;
  /** `loading` until the counts are in and the inbox stream is open; `reconnecting` while it is. */
  status: "loading" | "live" | "reconnecting";
}

/** Unread counts kept live while anyone listens. */
export interface UnreadCounts extends LiveState<UnreadState> {
  /** Moves the user's read cursor in a room to its newest message, and its count to 0. */
  markRead(roomId: string): Promise<void>;
  /** Fetches the counts again (what the inbox brings meanwhile is applied on them). */
  refresh(): Promise<void>;
}

export interface UnreadCountsOptions {
  /**
   * How often the counts are fetched again while listened to; 0 (the default) never: the
   * inbox stream keeps them whole, and its resume fetches them again when it must.
   */
  refreshMs?: number;
}

/** Joined rooms counted (`messages.unread`'s page). */
const ROOMS_MAX = 100;
const INITIAL: UnreadState = { rooms: {}, total: 0, mentions: 0, status: "loading" };
/** The read cursor's target for "the room's newest message": the server stops it at the room's last seq. */
const NEWEST = Number.MAX_SAFE_INTEGER;

interface Running {
  abort: AbortController;
  timer: ReturnType<typeof setInterval> | undefined;
  tally: UnreadTally | undefined;
  watch: InboxWatch | undefined;
  /** Inbox entries held back while the counts are fetched, applied on them after (none: not fetching). */
  heldBack: InboxEvent[] | undefined;
  /** The inbox stream's state: `open` is when the counts are live. */
  stream: ConnectionState;
  /** Whether the stream has been open: after that, a drop is `reconnecting`. */
  opened: boolean;
}

/**
 * The user's unread count in every joined room, kept live by one inbox stream
 * (`client.watchInbox`) whatever the number of rooms: fetched once (`messages.unread`, which
 * answers the inbox position the counts include), then updated from the inbox entries after
 * that position (see `UnreadTally`). When the inbox cannot resume (`RESYNC_REQUIRED`), the
 * counts are fetched again. Nothing happens until the first listener subscribes; everything
 * stops shortly after the last leaves.
 */
export function createUnreadCounts(client: NatterClient, { refreshMs = 0 }: UnreadCountsOptions = {}): UnreadCounts {
  const state = liveState<UnreadState>(INITIAL);
  let running: Running | undefined;

  const publish = (run: Running) => {
    if (run !== running || !run.tally || !run.opened) return;
    const rooms = run.tally.counts;
    let total = 0;
    let mentions = 0;
    for (const room of Object.values(rooms)) {
      total += room.unread;
      mentions += room.mentions;
    }
    state.update(() => ({ rooms, total, mentions, status: run.stream === "open" ? "live" : "reconnecting" }));
  };

  const onEvent = (run: Running, event: InboxEvent) => {
    if (run.heldBack) run.heldBack.push(event);
    else if (run.tally?.apply(event)) publish(run);
  };

  /** Fetches the counts (and who the user is, the first time); answers the inbox position they include. */
  const load = async (run: Running): Promise<number | undefined> => {
    const { signal } = run.abort;
    const [me, unread] = await Promise.all([
      run.tally ? undefined : withRetry((s) => client.trpc.users.me.query(undefined, { signal: s }), { signal }),
      withRetry((s) => client.trpc.messages.unread.query({ limit: ROOMS_MAX }, { signal: s }), { signal }),
    ]);
    if (signal.aborted) return undefined;
    if (me) run.tally = new UnreadTally(me.user.id);
    run.tally?.reset(unread.rooms, unread.inboxSeq);
    return unread.inboxSeq;
  };

  /** Fetches the counts again, holding the inbox's entries back until they are in. */
  const reload = async (run: Running) => {
    if (run.heldBack) return;
    run.heldBack = [];
    try {
      await load(run);
    } finally {
      const held = run.heldBack;
      run.heldBack = undefined;
      for (const event of held) run.tally?.apply(event);
      publish(run);
    }
  };

  const begin = async (run: Running) => {
    const inboxSeq = await load(run);
    if (inboxSeq === undefined || run !== running) return;
    run.watch = client.watchInbox(
      {
        onEvent: (event) => onEvent(run, event),
        // Away longer than the inbox keeps entries: the counts are read again.
        onResync: () => {
          reload(run).catch(() => {});
        },
        onStateChange: (stream) => {
          run.stream = stream;
          if (stream === "open") run.opened = true;
          publish(run);
        },
      },
      { afterSeq: inboxSeq },
    );
  };

  const start = () => {
    const run: Running = {
      abort: new AbortController(),
      timer: undefined,
      tally: undefined,
      watch: undefined,
      heldBack: undefined,
      stream: "connecting",
      opened: false,
    };
    running = run;
    if (refreshMs > 0) run.timer = setInterval(() => reload(run).catch(() => {}), refreshMs);
    begin(run).catch(() => {});
  };

  const stop = () => {
    if (!running) return;
    running.abort.abort();
    clearInterval(running.timer);
    running.watch?.stop();
    running = undefined;
    state.update(() => INITIAL);
  };

  return {
    getSnapshot: state.getSnapshot,
    subscribe: subscribeWhileListened(state, start, stop),
    async markRead(roomId) {
      const run = running;
      // At once: whatever the inbox brings after this is applied on it, up to the `unread.changed` the call writes.
      if (run?.tally?.clear(roomId)) publish(run);
      try {
        await client.trpc.messages.markRead.mutate({ roomId, seq: NEWEST });
      } catch (error) {
        if (run && !run.heldBack && run.tally) await reload(run).catch(() => {});
        throw error;
      }
    },
    async refresh() {
      if (running?.tally) await reload(running);
    },
  };
}
