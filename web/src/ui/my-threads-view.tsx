import type { MyThread, Room, RoomWatch } from "@natter/client";
import { useEffect, useRef } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { ErrorLine } from "../failures/use-failure.js";
import { useObservable } from "../state/observable.js";
import { onLinkClick } from "../state/router.js";
import { useKeysetPages } from "../state/use-keyset-pages.js";

const PAGE_SIZE = 30;
/**
 * Rooms watched at once for replies while the list is on screen: each is one subscription on
 * the shared WebSocket. The rooms of the threads shown come first, then my other rooms, the
 * one with the newest message first.
 */
const WATCHED_ROOMS_MAX = 20;
/** How much of a thread's first message names it in the list. */
const EXCERPT_LENGTH = 80;

/**
 * The threads I started or replied in, newest activity first, with the replies by others I
 * have not read; each opens its room with the thread beside it. Live (`useLiveThreads`): a
 * thread moves up with its new counts as it gets a reply.
 */
export function MyThreadsView({ session }: { session: ChatSession }) {
  const rooms = useObservable(session.rooms);
  const names = useObservable(session.usernames.names);
  const {
    items: threads,
    cursor,
    error,
    busy,
    loadMore,
    refresh,
  } = useKeysetPages(async (cursor) => {
    const page = await session.client.myThreads({ limit: PAGE_SIZE, ...(cursor && { cursor }) });
    session.usernames.resolve(page.threads.map((thread) => thread.root.authorId));
    return { items: page.threads, nextCursor: page.nextCursor };
  }, threadKey);

  useLiveThreads(session, watchedRooms(threads, rooms), refresh);

  const roomTitle = (roomId: string) => {
    const room = rooms.find((candidate) => candidate.id === roomId);
    return room ? session.direct.titleOf(room) : "a room";
  };
  return (
    <section class="panel" aria-labelledby="my-threads-title">
      <h1 id="my-threads-title">My threads</h1>
      <ErrorLine error={error} />
      {threads.length > 0 && (
        <ul class="thread-list" aria-labelledby="my-threads-title">
          {threads.map(({ root, unreadCount }) => (
            <li key={root.id} class="card thread-entry">
              <a
                href={`/rooms/${encodeURIComponent(root.roomId)}?thread=${encodeURIComponent(root.id)}`}
                onClick={onLinkClick({ screen: "room", roomId: root.roomId, threadId: root.id })}
              >
                <span class="thread-excerpt">{excerpt(root.body)}</span>
                <span class="hint">
                  {" "}
                  in {roomTitle(root.roomId)} · started by {names[root.authorId] ?? "…"} ·{" "}
                  {root.thread?.replyCount ?? 0} {root.thread?.replyCount === 1 ? "reply" : "replies"}
                </span>
                {unreadCount > 0 && (
                  <span class="badge" data-testid="thread-unread">
                    {unreadCount > 999 ? "999+" : unreadCount}
                    <span class="visually-hidden"> unread</span>
                  </span>
                )}
              </a>
            </li>
          ))}
        </ul>
      )}
      {threads.length === 0 && cursor !== undefined && (
        <p class="empty">No threads yet: reply in a thread, or start one under a message.</p>
      )}
      {cursor && (
        <button type="button" disabled={busy} onClick={loadMore}>
          Show more threads
        </button>
      )}
    </section>
  );
}

const threadKey = (thread: MyThread) => thread.root.id;

/**
 * Reads the list's first page again (`refresh`) whenever a thread gets or loses a reply
 * (`thread.updated`) in one of `roomIds`, watched while the list is on screen; and once each
 * watch is open, for what happened before it started. One reading at a time, and one more
 * after it for whatever came in meanwhile. My inbox does not carry thread replies (only those
 * also sent to the room), so a first thread of mine in a room I belong to appears live only
 * when the room is watched: among the first `WATCHED_ROOMS_MAX` (`watchedRooms`); in any
 * other room, with the next reading.
 */
function useLiveThreads(session: ChatSession, roomIds: readonly string[], refresh: () => Promise<void>): void {
  const reading = useRef<{ busy: boolean; again: boolean }>({ busy: false, again: false });
  const readAgain = useRef(() => {});
  readAgain.current = () => {
    const state = reading.current;
    if (state.busy) {
      state.again = true;
      return;
    }
    state.busy = true;
    void refresh().finally(() => {
      state.busy = false;
      if (state.again) {
        state.again = false;
        readAgain.current();
      }
    });
  };
  const watches = useRef(new Map<string, RoomWatch>());
  useEffect(() => {
    const wanted = new Set(roomIds);
    for (const [roomId, watch] of watches.current) {
      if (wanted.has(roomId)) continue;
      watch.stop();
      watches.current.delete(roomId);
    }
    for (const roomId of wanted) {
      if (watches.current.has(roomId)) continue;
      const watch = session.client.watchRoom(roomId, {
        onEvent: (event) => {
          if (event.type === "thread.updated") readAgain.current();
        },
        onStateChange: (state) => {
          if (state === "open") readAgain.current();
        },
        onEnd: () => {
          if (watches.current.get(roomId) === watch) watches.current.delete(roomId);
        },
      });
      watches.current.set(roomId, watch);
    }
  }, [session, roomIds.join(" ")]);
  useEffect(
    () => () => {
      for (const watch of watches.current.values()) watch.stop();
      watches.current.clear();
    },
    [],
  );
}

/**
 * The rooms to watch for replies, at most `WATCHED_ROOMS_MAX`: those of the threads shown, then
 * my other rooms (`myRooms`, newest message first), where a first thread of mine may start.
 */
function watchedRooms(threads: readonly MyThread[], myRooms: readonly Room[]): string[] {
  const roomIds = new Set(threads.map((thread) => thread.root.roomId));
  for (const room of myRooms) roomIds.add(room.id);
  return [...roomIds].slice(0, WATCHED_ROOMS_MAX);
}

/** The start of a thread's first message; a deleted one keeps its thread but not its words. */
function excerpt(body: string | null): string {
  if (body === null) return "(deleted message)";
  return body.length > EXCERPT_LENGTH ? `${body.slice(0, EXCERPT_LENGTH - 1)}…` : body;
}
