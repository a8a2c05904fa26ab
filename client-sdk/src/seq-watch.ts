import { resubscriptions, type Unsubscribable } from "./resubscribe.js";
import { withRetry } from "./retry.js";

/**
 * Where a watch stands: `connecting` until the server confirms it, `open` while events
 * flow, `reconnecting` after the connection dropped (events resume where they stopped),
 * `closed` once it has ended for good.
 */
export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

/** Why a watch ended. */
export type WatchEnd =
  /** The server ended the stream: the room was deleted, or the caller lost access to it. The last event says which. */
  | { reason: "ended" }
  /** The server refused or failed the stream, such as `ROOM_NOT_FOUND`: test it with `isNatterError`. */
  | { reason: "error"; error: unknown }
  /** The app called `stop()` or closed the client. */
  | { reason: "stopped" };

/** A running watch of a log whose entries carry a `seq`. */
export interface SeqWatch {
  readonly state: ConnectionState;
  /** The `seq` of the last entry delivered (or the starting point before any). */
  readonly lastSeq: number | undefined;
  /** Settles when the watch ends, however it ends. */
  readonly ended: Promise<WatchEnd>;
  /** Ends the watch; no handler is called after this but `onStateChange("closed")` and `onEnd`. */
  stop(): void;
}

/** What tRPC's `subscribe` calls back with, as far as a watch needs it. */
export interface SeqStreamCallbacks<E> {
  onStarted(): void;
  onConnectionStateChange(connection: { state: string; error?: unknown }): void;
  onData(envelope: { data: E }): void;
  onError(error: unknown): void;
  onComplete(): void;
}

/** How one kind of watch reaches its log, and what it tells the app. */
export interface SeqWatchSpec<E extends { seq: number }> {
  /** Where to start: after this `seq`; without it, after `position()`. */
  afterSeq: number | undefined;
  /** The log's newest `seq` now, read (with retries) when no `afterSeq` is given. */
  position(signal: AbortSignal): Promise<number>;
  /** Settles once the WebSocket class is loaded (tRPC retries one that cannot load silently for ever). */
  socketReady(): Promise<void>;
  /** Subscribes to the log after `afterSeq`; tRPC resends the last delivered `seq` as `lastEventId` on every resubscription. */
  subscribe(afterSeq: number, callbacks: SeqStreamCallbacks<E>): Unsubscribable;
  /** Subscribes to whatever else goes with the log (a room's receipts), once it is subscribed. */
  alongside?(isFinished: () => boolean): Unsubscribable | undefined;
  /**
   * Whether a refusal of the stream means "reload, and go on from the log's newest `seq`"
   * (then `onResync` is told that `seq`); any other refusal or failure by natter ends the
   * watch (a failure of the connection itself, without natter's answer, subscribes again).
   */
  resyncsOn?(error: unknown): boolean;
  onResync?(seq: number): void;
  onEvent(event: E): void;
  onStateChange?(state: ConnectionState, error?: unknown): void;
  onEnd?(end: WatchEnd): void;
}

/**
 * Watches a `seq`-ordered log over the client's WebSocket: delivers each entry exactly once,
 * in order, across reconnects (tRPC resubscribes from the last delivered `seq` and the server
 * replays from there; anything at or below the last `seq` is dropped, so a replay that
 * overlaps live entries never delivers one twice). Room and inbox watches are this with
 * their own log.
 */
export function watchSeqLog<E extends { seq: number }>(spec: SeqWatchSpec<E>): SeqWatch {
  let lastSeq = spec.afterSeq;
  let state: ConnectionState = "connecting";
  let started = false;
  let subscription: Unsubscribable | undefined;
  let companion: Unsubscribable | undefined;
  const stopping = new AbortController();
  let settle: (end: WatchEnd) => void = () => {};
  const ended = new Promise<WatchEnd>((resolve) => {
    settle = resolve;
  });

  const setState = (next: ConnectionState, error?: unknown) => {
    if (next === state) return;
    state = next;
    spec.onStateChange?.(next, error);
  };

  let finished = false;
  const finish = (end: WatchEnd) => {
    // Unsubscribing completes the subscription, which calls back here: the first reason wins.
    if (finished) return;
    finished = true;
    stopping.abort();
    subscription?.unsubscribe();
    companion?.unsubscribe();
    setState("closed");
    spec.onEnd?.(end);
    settle(end);
  };
  const failed = (error: unknown) => finish({ reason: "error", error });
  const position = () => withRetry((signal) => spec.position(signal), { signal: stopping.signal });

  // A failure of the connection itself subscribes again from the last delivered `seq`.
  const again = resubscriptions({
    signal: stopping.signal,
    resubscribe: () => void subscribe(lastSeq as number).catch(failed),
    onRetry: (error) => setState(started ? "reconnecting" : "connecting", error),
  });

  const subscribe = async (afterSeq: number) => {
    await spec.socketReady();
    if (finished) return;
    subscription = spec.subscribe(afterSeq, {
      onStarted: () => {
        started = true;
        again.started();
        setState("open");
      },
      onConnectionStateChange: (connection) => {
        if (connection.state === "connecting")
          setState(started ? "reconnecting" : "connecting", connection.error ?? undefined);
      },
      onData: ({ data: event }) => {
        if (finished || (lastSeq !== undefined && event.seq <= lastSeq)) return;
        lastSeq = event.seq;
        spec.onEvent(event);
      },
      onError: (error) => {
        subscription?.unsubscribe();
        if (again.failed(error)) return;
        if (!spec.resyncsOn?.(error)) return failed(error);
        position()
          .then((seq) => {
            if (finished) return;
            lastSeq = seq;
            spec.onResync?.(seq);
            return subscribe(seq);
          })
          .catch(failed);
      },
      onComplete: () => finish({ reason: "ended" }),
    });
    companion ??= spec.alongside?.(() => finished);
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
