import type { TRPCClient } from "@trpc/client";
import type { AppRouter, ReceiptSignal, RoomEvent } from "./app-router.js";
import { withRetry } from "./retry.js";

/**
 * Where a room watch stands: `connecting` until the server confirms it, `open` while
 * events flow, `reconnecting` after the connection dropped (events resume where they
 * stopped), `closed` once it has ended for good.
 */
export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

/** Why a room watch ended. */
export type WatchEnd =
  /** The server ended the stream: the room was deleted, or the caller lost access to it. The last event says which. */
  | { reason: "ended" }
  /** The server refused or failed the stream, such as `ROOM_NOT_FOUND`: test it with `isNatterError`. */
  | { reason: "error"; error: unknown }
  /** The app called `stop()` or closed the client. */
  | { reason: "stopped" };

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
export interface RoomWatch {
  readonly state: ConnectionState;
  /** The `seq` of the last event delivered (or the starting point before any). */
  readonly lastSeq: number | undefined;
  /** Settles when the watch ends, however it ends. */
  readonly ended: Promise<WatchEnd>;
  /** Ends the watch; no handler is called after this but `onStateChange("closed")` and `onEnd`. */
  stop(): void;
}

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
  let lastSeq = options.afterSeq;
  let state: ConnectionState = "connecting";
  let started = false;
  let subscription: { unsubscribe(): void } | undefined;
  let receipts: { unsubscribe(): void } | undefined;
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
    // Unsubscribing completes the subscription, which calls back here: the first reason wins.
    if (finished) return;
    finished = true;
    stopping.abort();
    subscription?.unsubscribe();
    receipts?.unsubscribe();
    setState("closed");
    handlers.onEnd?.(end);
    settle(end);
  };

  const subscribe = async (afterSeq: number) => {
    await socketReady();
    if (finished) return;
    subscription = trpc.rooms.events.subscribe(
      { roomId, lastEventId: String(afterSeq) },
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
        onError: (error) => finish({ reason: "error", error }),
        onComplete: () => finish({ reason: "ended" }),
      },
    );
    const { onReceipt } = handlers;
    if (!onReceipt) return;
    receipts = trpc.rooms.signals.subscribe(
      { roomId },
      {
        onData: (signal) => {
          if (!finished && signal.type === "receipt.updated") onReceipt(signal);
        },
        // The log's watch reports refusals and ends; signals only add to it.
        onError: () => {},
      },
    );
  };

  const failed = (error: unknown) => finish({ reason: "error", error });
  if (lastSeq !== undefined) {
    subscribe(lastSeq).catch(failed);
  } else {
    withRetry((signal) => trpc.rooms.get.query({ roomId }, { signal }), { signal: stopping.signal })
      .then(({ room }) => {
        if (finished) return;
        lastSeq = room.lastSeq;
        return subscribe(lastSeq);
      })
      .catch(failed);
  }

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
