import type { Message, RoomEvent } from "./app-router.js";
import { newClientMessageId } from "./client-message-id.js";
import { awaitingConfirmation } from "./confirmations.js";
import { type LiveState, liveState, subscribeWhileListened } from "./live-state.js";
import type { NatterClient, SendMessageOptions } from "./natter-client.js";
import { withRetry } from "./retry.js";
import { applyRoomEvent, mergeMessages } from "./timeline.js";
import type { RoomWatch } from "./watch-room.js";

/**
 * A message as a live room shows it: a stored message, or one of yours still on its way
 * (`pending`) or refused (`failed`, with the `error`). Yours carry the `clientMessageId`
 * they were sent with, before and after the server confirmed them, so that a list keyed by
 * `clientMessageId ?? id` keeps each row across the confirmation.
 */
export type ChatMessage = Message & {
  clientMessageId?: string;
  pending?: boolean;
  failed?: boolean;
  error?: unknown;
};

/**
 * `loading` until the newest page is in and the live stream open; `live`; `reconnecting`
 * after the connection dropped (events resume where they stopped); `ended` when the room
 * was deleted, the user lost access, or it could not be opened (`error` says why).
 */
export type RoomMessagesStatus = "loading" | "live" | "reconnecting" | "ended";

/** A room's messages as `createRoomMessages` keeps them. */
export interface RoomMessagesState {
  /** Oldest first: stored messages in `seq` order, then yours still on their way. */
  messages: readonly ChatMessage[];
  status: RoomMessagesStatus;
  /** Why the room ended, when it ended with an error (such as `ROOM_NOT_FOUND`). */
  error: unknown;
  /** Whether older messages remain to be loaded (`loadOlder`). */
  hasOlder: boolean;
  loadingOlder: boolean;
}

/** Options of `send`: those of `client.sendMessage` but the id, which the room makes. */
export type RoomSendOptions = Pick<SendMessageOptions, "replyToId" | "attachmentIds">;

export interface RoomMessagesOptions {
  /** Messages per history page (default 50, at most 100). */
  pageSize?: number;
  /** The signed-in user's id, if known: a send confirmed by the live stream first then shows once. */
  userId?: () => string | undefined;
  /** Attempts per send across network failures, the first included (default 3). */
  sendAttempts?: number;
  /** Called with each live event of the room as it arrives (to drop a sender's typing indicator, say). */
  onEvent?: (event: RoomEvent) => void;
}

/** A room's messages, kept live while anyone listens. */
export interface RoomMessages extends LiveState<RoomMessagesState> {
  /** Loads the page of history before the oldest message held; nothing when none is left or one is loading. */
  loadOlder(): Promise<void>;
  /**
   * Shows the message at once as `pending`, then replaces it with the stored one, or marks it
   * `failed` with the error. Answers the entry as it ended up; never rejects.
   */
  send(body: string, options?: RoomSendOptions): Promise<ChatMessage>;
  /**
   * Sends a `failed` message again, once, with its `clientMessageId` (the server never makes a
   * second message of it). A message that is not `failed` is answered as it is.
   */
  retry(message: ChatMessage): Promise<ChatMessage>;
}

/** One stretch of being live: from the first listener to shortly after the last left. */
interface Session {
  watch: RoomWatch | undefined;
  stopped: boolean;
  /** Cancels the loads still retrying when the session stops. */
  abort: AbortController;
}

interface Outgoing {
  entry: ChatMessage;
  /** The room's newest known seq when it was sent: its stored message comes after it. */
  afterSeq: number;
  options: RoomSendOptions;
}

const INITIAL: RoomMessagesState = {
  messages: [],
  status: "loading",
  error: undefined,
  hasOlder: false,
  loadingOlder: false,
};

/**
 * A room's history and live events merged: the newest page, then every later event of the
 * room's log applied exactly once in `seq` order (the SDK's watch resumes across
 * reconnects), older pages on demand, and sends shown at once. Framework-free: React's
 * `useSyncExternalStore`, Preact or any store reads it through `getSnapshot`/`subscribe`.
 *
 * Nothing happens until the first listener subscribes (so rendering on a server opens no
 * connection); the live stream closes shortly after the last listener leaves, and a later
 * listener starts again from the newest page.
 */
export function createRoomMessages(
  client: NatterClient,
  roomId: string,
  { pageSize = 50, userId = () => undefined, sendAttempts = 3, onEvent }: RoomMessagesOptions = {},
): RoomMessages {
  const state = liveState<RoomMessagesState>(INITIAL);
  let stored: readonly ChatMessage[] = [];
  let outgoing: readonly Outgoing[] = [];
  /** Which clientMessageId each stored message of yours was sent with. */
  const sentAs = new Map<string, string>();
  let session: Session | undefined;
  let lastSeq = 0;

  const patch = (change: Partial<RoomMessagesState>) => state.update((current) => ({ ...current, ...change }));

  /** Publishes the messages: stored ones, then outgoing ones whose stored message has not arrived. */
  const publish = () => {
    const waiting = awaitingConfirmation(
      outgoing,
      ({ entry, afterSeq }) => (entry.pending ? { body: entry.body, afterSeq } : undefined),
      stored,
      userId(),
      sentAs,
    );
    patch({ messages: [...stored, ...waiting.map(({ entry }) => entry)] });
  };

  const start = () => {
    const current: Session = { watch: undefined, stopped: false, abort: new AbortController() };
    session = current;
    stored = [];
    patch({ status: "loading", error: undefined, hasOlder: false, loadingOlder: false });
    const end = (error: unknown) => {
      if (!current.stopped) patch({ status: "ended", error });
    };
    void (async () => {
      const { signal: stopped } = current.abort;
      const { room } = await withRetry((signal) => client.trpc.rooms.get.query({ roomId }, { signal }), {
        signal: stopped,
      });
      if (current.stopped) return;
      lastSeq = room.lastSeq;
      // Events are held back until the page is in, so that none is applied to a page that misses its message.
      let held: RoomEvent[] | undefined = [];
      let open = false;
      let pageIn = false;
      const goLive = () => {
        if (open && pageIn && !current.stopped && state.getSnapshot().status !== "ended") patch({ status: "live" });
      };
      current.watch = client.watchRoom(
        roomId,
        {
          onEvent: (event) => {
            lastSeq = Math.max(lastSeq, event.seq);
            if (held) held.push(event);
            else applyEvent(event);
            onEvent?.(event);
          },
          onStateChange: (watchState) => {
            if (current.stopped) return;
            if (watchState === "open") {
              open = true;
              goLive();
            } else if (watchState === "reconnecting") patch({ status: "reconnecting" });
          },
          onEnd: (ended) => {
            if (ended.reason === "ended") end(undefined);
            else if (ended.reason === "error") end(ended.error);
          },
        },
        { afterSeq: room.lastSeq },
      );
      const page = await withRetry(
        (signal) => client.trpc.messages.list.query({ roomId, limit: pageSize }, { signal }),
        { signal: stopped },
      );
      if (current.stopped) return;
      stored = mergeMessages(stored, page.messages);
      for (const event of held) stored = applyRoomEvent(stored, event);
      held = undefined;
      pageIn = true;
      patch({ hasOlder: page.hasMore });
      publish();
      goLive();
    })().catch(end);
  };

  const applyEvent = (event: RoomEvent) => {
    const next = applyRoomEvent(stored, event);
    if (next === stored) return;
    stored = next;
    publish();
  };

  const stop = () => {
    if (!session) return;
    session.stopped = true;
    session.abort.abort();
    session.watch?.stop();
    session = undefined;
  };

  const deliver = async (item: Outgoing): Promise<ChatMessage> => {
    try {
      const message = await client.sendMessage(roomId, item.entry.body ?? "", {
        ...item.options,
        clientMessageId: item.entry.clientMessageId as string,
        maxAttempts: sendAttempts,
      });
      const clientMessageId = item.entry.clientMessageId as string;
      sentAs.set(message.id, clientMessageId);
      outgoing = outgoing.filter((other) => other !== item);
      stored = mergeMessages(stored, [message]).map((entry) =>
        entry.id === message.id ? { ...entry, clientMessageId } : entry,
      );
      publish();
      return stored.find((entry) => entry.id === message.id) as ChatMessage;
    } catch (error) {
      const failed: ChatMessage = { ...item.entry, pending: false, failed: true, error };
      outgoing = outgoing.map((other) => (other === item ? { ...item, entry: failed } : other));
      publish();
      return failed;
    }
  };

  return {
    getSnapshot: state.getSnapshot,
    subscribe: subscribeWhileListened(state, start, stop),
    async loadOlder() {
      const { hasOlder, loadingOlder } = state.getSnapshot();
      const oldest = stored[0];
      if (!hasOlder || loadingOlder || !oldest || !session) return;
      patch({ loadingOlder: true });
      try {
        const page = await client.trpc.messages.list.query({ roomId, before: oldest.seq, limit: pageSize });
        stored = mergeMessages(stored, page.messages);
        patch({ hasOlder: page.hasMore });
        publish();
      } finally {
        patch({ loadingOlder: false });
      }
    },
    send(body, options = {}) {
      const clientMessageId = newClientMessageId();
      const entry: ChatMessage = {
        id: clientMessageId,
        roomId,
        seq: Number.MAX_SAFE_INTEGER,
        authorId: userId() ?? "",
        body,
        replyToId: options.replyToId ?? null,
        createdAt: new Date().toISOString(),
        editedAt: null,
        deletedAt: null,
        attachments: [],
        reactions: [],
        threadId: null,
        alsoInRoom: false,
        thread: null,
        pinnedAt: null,
        pinnedBy: null,
        mentions: [],
        mentionsRoom: false,
        clientMessageId,
        pending: true,
      };
      const item: Outgoing = { entry, afterSeq: lastSeq, options };
      outgoing = [...outgoing, item];
      publish();
      return deliver(item);
    },
    retry(message) {
      const item = outgoing.find((other) => other.entry.clientMessageId === message.clientMessageId);
      if (!item?.entry.failed) return Promise.resolve(message);
      const again: Outgoing = { ...item, entry: { ...item.entry, pending: true, failed: false, error: undefined } };
      outgoing = outgoing.map((other) => (other === item ? again : other));
      publish();
      return deliver(again);
    },
  };
}
