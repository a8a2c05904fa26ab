import type { TRPCClient } from "@trpc/client";
import type { AppRouter, InboxEvent } from "./app-router.js";
import { isNatterError } from "./errors.js";
import { type ConnectionState, type SeqWatch, type WatchEnd, watchSeqLog } from "./seq-watch.js";

/** What an inbox watch tells the app. */
export interface WatchInboxHandlers {
  /**
   * Each entry of the user's inbox exactly once, in `seq` order, across reconnects:
   * `message.created` summaries, `mention`, `unread.changed`, `room.added`, `room.updated`
   * (a room's new name and settings), `room.removed`, `dm.created`.
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
export type InboxWatch = SeqWatch;

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
  const { onResync } = handlers;
  return watchSeqLog<InboxEvent>({
    afterSeq: options.afterSeq,
    // The inbox's position as of the unread counts the server holds now.
    position: (signal) => trpc.messages.unread.query({ limit: 1 }, { signal }).then((page) => page.inboxSeq),
    socketReady,
    subscribe: (afterSeq, callbacks) => trpc.users.events.subscribe({ lastEventId: String(afterSeq) }, callbacks),
    resyncsOn: (error) => onResync !== undefined && isNatterError(error, "RESYNC_REQUIRED"),
    onResync: (seq) => onResync?.(seq),
    onEvent: (event) => handlers.onEvent(event),
    onStateChange: (state, error) => handlers.onStateChange?.(state, error),
    onEnd: (end) => handlers.onEnd?.(end),
  });
}
