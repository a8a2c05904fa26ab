import { useSyncExternalStore } from "react";
import { useNatterContext } from "./natter-context.js";

export interface RoomPresence {
  /** Signed-in users with the room open now, earliest first. */
  present: readonly { userId: string; username: string }[];
  /** Watchers who are not signed in, counted. */
  anonymousCount: number;
  /** False on a server, until the first snapshot, and while reconnecting. */
  connected: boolean;
}

/** Who has a room open now, kept live; shares the room's signal stream with `useTyping`. */
export function usePresence(roomId: string): RoomPresence {
  const store = useNatterContext().stores.roomSignals(roomId);
  const { present, anonymousCount, connected } = useSyncExternalStore(
    store.subscribe,
    store.getSnapshot,
    store.getSnapshot,
  );
  return { present, anonymousCount, connected };
}
