import type { TRPCClient } from "@trpc/client";
import type { AppRouter, InboxEvent } from "./app-router.js";
import { isNatterError } from "./errors.js";
import { withRetry } from "./retry.js";
import type { ConnectionState, WatchEnd } from "./watch-room.js";

/** What an inbox watch tells the app. */
export interface WatchInboxHandlers {
  /**
   * Each entry of the user's inbox exactly once, in `seq` order, across reconnects:
   * `message.created` summaries, `mention`, `unread.changed`, `room.added`, `room.removed`,
   * `dm.created`.
   */
  onEvent(event: InboxEvent): void;
  /**
   * The inbox no longer reaches back to where the watch was (it was away longer than the
   * server keeps entries, 7 days): reload what the app derives from the inbox (unread counts,
   * rooms) from `inboxSeq`, the position the watch goes on from. Without this handler such
   * a watch ends with `RESYNC_REQUIRED`.
   */
  onResync?(inboxSeq: number): void;
  /** The connection state changed; `error` says why the connection is (re)connecting. */
  onStateChange?(state: ConnectionState, error?: unknown): void;
  /** Called once, when the watch ends for good. */
  onEnd?(end: WatchEnd): void;
}

export interface WatchInboxOptions {
  /**
   * Deliver the entries after this `seq` first, then live (0 replays all the server holds).
   * Pass `inboxSeq` of the unread counts the app shows (`messages.unread`). Without it, the
   * watch reads that position first, so that a drop before the first entry loses nothing.
   */
  afterSeq?: number;
}

/** A running inbox watch. */
export interface InboxWatch {
  readonly state: ConnectionState;
  /** The `seq` of the last entry delivered (or the starting point before any). */
  readonly lastSeq: number | undefined;
  /** Settles when the watch ends, however it ends. */
  readonly ended: Promise<WatchEnd>;
  /** Ends the watch; no handler is called after this but `onStateChange("closed")` and `onEnd`. */
  stop(): void;
}

/**
 * Watches the signed-in user's inbox over the client's WebSocket, as `watchRoom` watches a
 * room: tRPC sends the last delivered `seq` as `lastEventId` whenever it resubscribes after a
 * drop (to this node or another, after a restart too), the server replays from there, and
 * the watch drops anything at or below its last `seq`, so no entry arrives twice.
 */
export function watchInbox(
  trpc: TRPCClient<AppRouter>,
  handlers: WatchInboxHandlers,
  options: WatchInboxOptions = {},
  socketReady: () => Promise<void> = async () => {},
): InboxWatch {
  let lastSeq = options.afterSeq;
  let state: ConnectionState = "connecting";
  let started = false;
  let subscription: { unsubscribe(): void } | undefined;
  const stopping = new AbortController();
  let settle: (end: WatchEnd) => void = () => {};
  const ended = new Promise<WatchEnd>((resolve) => {
    settle = resolve;
  });

  const setState = (next: ConnectionState, error?: unknown) => {
    if (next === state) return;
    state = next;
    handlers.onStateChange?.(next, error);
  };

  let finished = false;
  const finish = (end: WatchEnd) => {
    if (finished) return;
    finished = true;
    stopping.abort();
    subscription?.unsubscribe();
    setState("closed");
    handlers.onEnd?.(end);
    settle(end);
  };
  const failed = (error: unknown) => finish({ reason: "error", error });

  /** The inbox's position as of the unread counts the server holds now. */
  const position = () =>
    withRetry((signal) => trpc.messages.unread.query({ limit: 1 }, { signal }), { signal: stopping.signal }).then(
      (page) => page.inboxSeq,
    );

  const subscribe = async (afterSeq: number) => {
    await socketReady();
    if (finished) return;
    subscription = trpc.users.events.subscribe(
      { lastEventId: String(afterSeq) },
      {
        onStarted: () => {
          started = true;
          setState("open");
        },
        onConnectionStateChange: (connection) => {
          if (connection.state === "connecting")
            setState(started ? "reconnecting" : "connecting", connection.error ?? undefined);
        },
        onData: ({ data: event }) => {
          if (finished || (lastSeq !== undefined && event.seq <= lastSeq)) return;
          lastSeq = event.seq;
          handlers.onEvent(event);
        },
        onError: (error) => {
          const { onResync } = handlers;
          if (!onResync || !isNatterError(error, "RESYNC_REQUIRED")) return failed(error);
          subscription?.unsubscribe();
          position()
            .then((seq) => {
              if (finished) return;
              lastSeq = seq;
              onResync(seq);
              return subscribe(seq);
            })
            .catch(failed);
        },
        onComplete: () => finish({ reason: "ended" }),
      },
    );
  };

  const begin = lastSeq !== undefined ? Promise.resolve(lastSeq) : position();
  begin
    .then((seq) => {
      if (finished) return;
      lastSeq = seq;
      return subscribe(seq);
    })
    .catch(failed);

  return {
    get state() {
      return state;
    },
    get lastSeq() {
      return lastSeq;
    },
    ended,
    stop: () => finish({ reason: "stopped" }),
  };
}
