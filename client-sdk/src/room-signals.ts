import type { TRPCClient } from "@trpc/client";
import type { AppRouter, RouterOutputs } from "./app-router.js";
import { type LiveState, liveState, subscribeWhileListened } from "./live-state.js";
import { keepSubscribed, type Unsubscribable } from "./resubscribe.js";

type Signal = RouterOutputs["rooms"]["signals"] extends AsyncIterable<infer S> ? S : never;

/** Who is in a room now, who is typing and how far members read, as `createRoomSignals` keeps it. */
export interface RoomSignalsState {
  /** Signed-in users watching the room (the first of them, if very many), earliest first. */
  present: readonly { userId: string; username: string }[];
  anonymousCount: number;
  typing: readonly { userId: string; username: string; expiresAt: string }[];
  /** False until the server's first snapshot arrived, and while reconnecting. */
  connected: boolean;
  /**
   * Read positions (`lastReadSeq`) by user id, from the `receipt.updated` signals received since
   * the watch started: what moved live. `client.receipts` gives the positions before that.
   */
  receipts: Readonly<Record<string, number>>;
}

/** A room's ephemeral signals, watched while anyone listens. */
export interface RoomSignals extends LiveState<RoomSignalsState> {
  /** Drops one user's typing indicator at once (their message arrived). */
  clearTyping(userId: string): void;
}

const EMPTY: RoomSignalsState = { present: [], anonymousCount: 0, typing: [], connected: false, receipts: {} };

/**
 * A room's presence and typing (`rooms.signals`), watched from the first listener until a
 * moment after the last. Each (re)connection starts with a snapshot, so the state is rebuilt
 * from it rather than patched across a gap; a typing indicator also lapses locally a second
 * after its `expiresAt`, should the stop be lost.
 */
export function createRoomSignals(trpc: TRPCClient<AppRouter>, roomId: string): RoomSignals {
  const state = liveState<RoomSignalsState>(EMPTY);
  const expiries = new Map<string, ReturnType<typeof setTimeout>>();

  const dropTyping = (userId: string) => {
    clearTimeout(expiries.get(userId));
    expiries.delete(userId);
    state.update((current) =>
      current.typing.some((user) => user.userId === userId)
        ? { ...current, typing: current.typing.filter((user) => user.userId !== userId) }
        : current,
    );
  };
  const expireAt = (userId: string, expiresAt: string) => {
    clearTimeout(expiries.get(userId));
    expiries.set(
      userId,
      setTimeout(() => dropTyping(userId), Math.max(0, Date.parse(expiresAt) - Date.now()) + 1_000),
    );
  };
  const clearExpiries = () => {
    for (const timer of expiries.values()) clearTimeout(timer);
    expiries.clear();
  };

  const apply = (signal: Signal) => {
    switch (signal.type) {
      case "snapshot":
        clearExpiries();
        for (const user of signal.typing) expireAt(user.userId, user.expiresAt);
        // Receipts are not in the snapshot: the ones received so far stay.
        state.update((current) => ({
          present: signal.users,
          anonymousCount: signal.anonymousCount,
          typing: signal.typing,
          connected: true,
          receipts: current.receipts,
        }));
        return;
      case "presence.joined":
        state.update((current) => ({
          ...current,
          present: [...current.present.filter((user) => user.userId !== signal.user.userId), signal.user],
        }));
        return;
      case "presence.left":
        state.update((current) => ({
          ...current,
          present: current.present.filter((user) => user.userId !== signal.userId),
        }));
        return;
      case "presence.anonymous":
        state.update((current) => ({ ...current, anonymousCount: signal.anonymousCount }));
        return;
      case "typing": {
        const { userId, username, expiresAt } = signal;
        expireAt(userId, expiresAt);
        state.update((current) => ({
          ...current,
          typing: [...current.typing.filter((user) => user.userId !== userId), { userId, username, expiresAt }],
        }));
        return;
      }
      case "typing.stopped":
        dropTyping(signal.userId);
        return;
      case "receipt.updated":
        state.update((current) => ({
          ...current,
          receipts: { ...current.receipts, [signal.userId]: signal.lastReadSeq },
        }));
        return;
    }
  };

  const disconnected = () =>
    state.update((current) => (current.connected ? { ...current, connected: false } : current));
  let subscription: Unsubscribable | undefined;
  const start = () => {
    subscription = keepSubscribed(
      ({ onStarted, onError }) =>
        trpc.rooms.signals.subscribe(
          { roomId },
          {
            onStarted,
            onData: apply,
            onConnectionStateChange: ({ state: connection }) => {
              if (connection === "connecting") disconnected();
            },
            onError,
          },
        ),
      // A failure of the connection subscribes again, and its snapshot reconnects the state;
      // a refusal (no such room, no access) leaves the room empty: there is nobody to show.
      { onRetry: disconnected, onRefused: disconnected },
    );
  };
  const stop = () => {
    subscription?.unsubscribe();
    clearExpiries();
    state.update(() => EMPTY);
  };
  return {
    getSnapshot: state.getSnapshot,
    subscribe: subscribeWhileListened(state, start, stop),
    clearTyping: dropTyping,
  };
}
