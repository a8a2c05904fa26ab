import type { MyThread } from "@natter/client";
import { useEffect } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { ErrorLine } from "../failures/use-failure.js";
import { useObservable } from "../state/observable.js";
import { onLinkClick } from "../state/router.js";
import { useKeysetPages } from "../state/use-keyset-pages.js";

const PAGE_SIZE = 30;
/** How much of a thread's first message names it in the list. */
const EXCERPT_LENGTH = 80;

/**
 * The threads I started or replied in, newest activity first, with the replies by others I
 * have not read; each opens its room with the thread beside it. Live: a reply in any of my
 * rooms' threads (its `thread.updated`, which my session watches every joined room for) reads
 * the first page again, so a thread moves up with its new count as it gets one.
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

  useEffect(() => {
    // One reading at a time, and one more after it for whatever came in meanwhile.
    let reading: Promise<void> | null = null;
    let again = false;
    const readAgain = () => {
      if (reading) {
        again = true;
        return;
      }
      reading = refresh().finally(() => {
        reading = null;
        if (again) {
          again = false;
          readAgain();
        }
      });
    };
    return session.threadActivity.subscribe(readAgain);
  }, [session]);

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

/** The start of a thread's first message; a deleted one keeps its thread but not its words. */
function excerpt(body: string | null): string {
  if (body === null) return "(deleted message)";
  return body.length > EXCERPT_LENGTH ? `${body.slice(0, EXCERPT_LENGTH - 1)}…` : body;
}
