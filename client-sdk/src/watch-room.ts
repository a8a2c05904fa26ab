import type { TRPCClient } from "@trpc/client";
import type { AppRouter, ReceiptSignal, RoomEvent } from "./app-router.js";
import { keepSubscribed } from "./resubscribe.js";
import { type ConnectionState, type SeqWatch, type WatchEnd, watchSeqLog } from "./seq-watch.js";

/** What a room watch tells the app. */
export interface WatchRoomHandlers {
  /**
   * Each event of the room's log exactly once, in `seq` order, across reconnects: messages,
   * edits and deletions, `reaction.added`/`reaction.removed`, `thread.updated`,
   * `message.pinned`/`message.unpinned`, membership and room changes.
   */
  onEvent(event: RoomEvent): void;
  /**
   * A member's read cursor moved (members only, at most once a second per member). Giving it
   * also watches the room's signals, which makes you present in the room. Receipts are not
   * log entries: after a reconnect, read `client.receipts(roomId)` for the state.
   */
  onReceipt?(receipt: ReceiptSignal): void;
  /** The connection state changed; `error` says why the connection is (re)connecting. */
  onStateChange?(state: ConnectionState, error?: unknown): void;
  /** Called once, when the watch ends for good. */
  onEnd?(end: WatchEnd): void;
}

export interface WatchRoomOptions {
  /**
   * Deliver the events after this `seq` first, then live (0 replays the whole log). Pass the
   * newest `seq` the app already shows. Without it, the watch starts after the room's newest
   * event (`room.lastSeq`), so that even a drop before the first event loses nothing. A
   * `seq` past the room's newest ends the watch with `VALIDATION_FAILED`.
   */
  afterSeq?: number;
}

/** A running room watch. */
export type RoomWatch = SeqWatch;

/**
 * Watches a room's event log over the client's WebSocket. tRPC sends the last delivered
 * `seq` as `lastEventId` whenever it resubscribes after a drop, and the server replays from
 * there; this watch also drops anything at or below its last `seq`, so a replay that
 * overlaps live events never delivers one twice.
 *
 * `socketReady` settles once the WebSocket class is loaded. tRPC would retry a class that
 * cannot load (Node 20 without `ws`) for ever without a word, so the watch asks first, and
 * ends with that error instead of staying `connecting`.
 */
export function watchRoom(
  trpc: TRPCClient<AppRouter>,
  roomId: string,
  handlers: WatchRoomHandlers,
  options: WatchRoomOptions = {},
  socketReady: () => Promise<void> = async () => {},
): RoomWatch {
  const { onReceipt } = handlers;
  return watchSeqLog<RoomEvent>({
    afterSeq: options.afterSeq,
    position: (signal) => trpc.rooms.get.query({ roomId }, { signal }).then(({ room }) => room.lastSeq),
    socketReady,
    subscribe: (afterSeq, callbacks) =>
      trpc.rooms.events.subscribe({ roomId, lastEventId: String(afterSeq) }, callbacks),
    // The log's watch reports natter's refusals and ends; signals only add to it. A failure
    // of the connection subscribes to them again, as it does the log.
    alongside: (isFinished) =>
      onReceipt &&
      keepSubscribed(({ onStarted, onError }) =>
        trpc.rooms.signals.subscribe(
          { roomId },
          {
            onStarted,
            onData: (signal) => {
              if (!isFinished() && signal.type === "receipt.updated") onReceipt(signal);
            },
            onError,
          },
        ),
      ),
    onEvent: (event) => handlers.onEvent(event),
    onStateChange: (state, error) => handlers.onStateChange?.(state, error),
    onEnd: (end) => handlers.onEnd?.(end),
  });
}
