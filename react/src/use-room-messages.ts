import type { ChatMessage, RoomMessagesState, RoomSendOptions } from "@natter/client";
import { useMemo, useSyncExternalStore } from "react";
import { useNatterContext } from "./natter-context.js";

export interface UseRoomMessagesOptions {
  /** Messages per history page (default 50, at most 100). */
  pageSize?: number;
}

export interface UseRoomMessagesResult extends RoomMessagesState {
  /** Loads the page before the oldest message shown (call it when the list is scrolled to the top). */
  loadOlder(): Promise<void>;
  /** Shows the message at once (`pending`), then the stored one, or marks it `failed`; never rejects. */
  send(body: string, options?: RoomSendOptions): Promise<ChatMessage>;
  /** Sends a `failed` message again, once, under its `clientMessageId`. */
  retry(message: ChatMessage): Promise<ChatMessage>;
}

/** What a room shows before anything is known: on a server, and in the first render. */
const LOADING: RoomMessagesState = {
  messages: [],
  status: "loading",
  error: undefined,
  hasOlder: false,
  loadingOlder: false,
};
const loading = () => LOADING;

/**
 * A room's messages, live: the newest page, then every event in `seq` order with no gap or
 * duplicate across reconnects, edits and deletions applied in place, older pages on
 * `loadOlder`, and your sends shown at once. Components showing the same room share one
 * stream; it closes when the last of them unmounts.
 */
export function useRoomMessages(roomId: string, { pageSize = 50 }: UseRoomMessagesOptions = {}): UseRoomMessagesResult {
  const { stores } = useNatterContext();
  const store = stores.roomMessages(roomId, pageSize);
  const state = useSyncExternalStore(store.subscribe, store.getSnapshot, loading);
  return useMemo(
    () => ({ ...state, loadOlder: store.loadOlder, send: store.send, retry: store.retry }),
    [state, store],
  );
}
