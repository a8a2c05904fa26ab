import type { NatterClient, RouterOutputs } from "@natter/client";
import { type Observable, observable } from "../state/observable.js";

type Signal = RouterOutputs["rooms"]["signals"] extends AsyncIterable<infer S> ? S : never;

/** Who is in a room now and who is typing. */
export interface RoomPresence {
  present: readonly { userId: string; username: string }[];
  anonymousCount: number;
  typing: readonly { userId: string; username: string; expiresAt: string }[];
}

const EMPTY: RoomPresence = { present: [], anonymousCount: 0, typing: [] };

/**
 * Watches a room's ephemeral signals. Each (re)connection starts with a snapshot, so the
 * state is rebuilt from it rather than patched across a gap.
 */
export function watchRoomSignals(
  client: NatterClient,
  roomId: string,
): { presence: Observable<RoomPresence>; clearTyping(userId: string): void; stop(): void } {
  const presence = observable<RoomPresence>(EMPTY);
  const expiries = new Map<string, ReturnType<typeof setTimeout>>();

  const dropTyping = (userId: string) => {
    clearTimeout(expiries.get(userId));
    expiries.delete(userId);
    presence.update((state) => ({ ...state, typing: state.typing.filter((user) => user.userId !== userId) }));
  };
  // The server says when typing stops too; the local timer keeps the indicator honest if that signal is lost.
  const expireAt = (userId: string, expiresAt: string) => {
    clearTimeout(expiries.get(userId));
    expiries.set(
      userId,
      setTimeout(() => dropTyping(userId), Math.max(0, Date.parse(expiresAt) - Date.now()) + 1_000),
    );
  };

  const apply = (signal: Signal) => {
    switch (signal.type) {
      case "snapshot":
        for (const timer of expiries.values()) clearTimeout(timer);
        expiries.clear();
        for (const user of signal.typing) expireAt(user.userId, user.expiresAt);
        presence.set({ present: signal.users, anonymousCount: signal.anonymousCount, typing: signal.typing });
        return;
      case "presence.joined":
        presence.update((state) => ({
          ...state,
          present: [...state.present.filter((user) => user.userId !== signal.user.userId), signal.user],
        }));
        return;
      case "presence.left":
        presence.update((state) => ({
          ...state,
          present: state.present.filter((user) => user.userId !== signal.userId),
        }));
        return;
      case "presence.anonymous":
        presence.update((state) => ({ ...state, anonymousCount: signal.anonymousCount }));
        return;
      case "typing": {
        const { userId, username, expiresAt } = signal;
        expireAt(userId, expiresAt);
        presence.update((state) => ({
          ...state,
          typing: [...state.typing.filter((user) => user.userId !== userId), { userId, username, expiresAt }],
        }));
        return;
      }
      case "typing.stopped":
        dropTyping(signal.userId);
        return;
    }
  };

  const subscription = client.trpc.rooms.signals.subscribe({ roomId }, { onData: apply });
  return {
    presence,
    clearTyping: dropTyping,
    stop() {
      subscription.unsubscribe();
      for (const timer of expiries.values()) clearTimeout(timer);
    },
  };
}
