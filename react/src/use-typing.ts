import { TypingSignal } from "@natter/client";
import { useMemo, useSyncExternalStore } from "react";
import { useNatterContext } from "./natter-context.js";

export interface RoomTyping {
  /** Who is typing in the room now, yourself left out. */
  typing: readonly { userId: string; username: string; expiresAt: string }[];
  /**
   * Call on every change of the draft: tells the room you are typing, once per draft and
   * again shortly before the indicator would lapse, never more.
   */
  notifyTyping(): void;
  /** Call when the draft went out: the next keystroke raises the indicator again. */
  notifySent(): void;
}

/** Who is typing in a room, kept live, and the throttled way to say you are. */
export function useTyping(roomId: string): RoomTyping {
  const { client, queryClient, trpc, stores } = useNatterContext();
  const store = stores.roomSignals(roomId);
  const { typing } = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  const signal = useMemo(() => new TypingSignal(() => client.trpc.rooms.typing.mutate({ roomId })), [client, roomId]);
  const me = queryClient.getQueryData<{ user: { id: string } }>(trpc.users.me.queryKey())?.user.id;
  const others = useMemo(() => typing.filter((user) => user.userId !== me), [typing, me]);
  return useMemo(
    () => ({ typing: others, notifyTyping: () => signal.typed(), notifySent: () => signal.sent() }),
    [others, signal],
  );
}
