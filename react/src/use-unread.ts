import type { UnreadState } from "@natter/client";
import { useMemo, useSyncExternalStore } from "react";
import { useNatterContext } from "./natter-context.js";

export interface UseUnreadResult extends UnreadState {
  /** Marks a room read up to its newest message (call it while the room is on screen). */
  markRead(roomId: string): Promise<void>;
  /** Fetches the counts again, picking up rooms the user was added to. */
  refresh(): Promise<void>;
}

const LOADING: UnreadState = { rooms: {}, total: 0, mentions: 0, status: "loading" };
const loading = () => LOADING;

/**
 * The signed-in user's unread and mention counts per joined room, kept live from the rooms'
 * event streams; one set of streams per provider, however many components ask.
 */
export function useUnread(): UseUnreadResult {
  const store = useNatterContext().stores.unread();
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot, loading);
  return useMemo(() => ({ ...state, markRead: store.markRead, refresh: store.refresh }), [state, store]);
}
