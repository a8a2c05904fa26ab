import type { SearchHit } from "@natter/client";
import { useEffect, useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { errorText } from "../failures/error-text.js";
import { ErrorLine } from "../failures/use-failure.js";
import { highlightParts } from "../search/highlight-parts.js";
import { useObservable } from "../state/observable.js";
import { onLinkClick, type Route, routePath } from "../state/router.js";

/**
 * Where a result opens: its room at the message, or, for a reply in a thread, the room at the
 * thread's first message with the thread open beside it and the reply marked there.
 */
function resultRoute(roomId: string, message: SearchHit["message"]): Route {
  return message.threadId
    ? { screen: "room", roomId, messageId: message.id, threadId: message.threadId }
    : { screen: "room", roomId, messageId: message.id };
}

/**
 * Search results: each message with what matched marked, opening its room at the message.
 * With `threadId`, only that thread's messages ("search this thread" of the thread panel).
 */
export function SearchView({
  session,
  q,
  threadId,
}: {
  session: ChatSession;
  q: string;
  threadId?: string | undefined;
}) {
  const names = useObservable(session.usernames.names);
  const rooms = useObservable(session.rooms);
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async (from: string | null) => {
    setBusy(true);
    try {
      const page = await session.client.searchMessages(q, {
        limit: 20,
        ...(threadId && { threadId }),
        ...(from && { cursor: from }),
      });
      session.usernames.resolve(page.results.map((hit) => hit.message.authorId));
      setHits((shown) => [...(from ? (shown ?? []) : []), ...page.results]);
      setCursor(page.nextCursor);
      setError(null);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    setHits(null);
    void load(null);
  }, [q, threadId]);

  const roomName = (roomId: string) => rooms.find((room) => room.id === roomId)?.name ?? "an open room";
  return (
    <section class="panel" aria-labelledby="search-title">
      <h1 id="search-title">
        Messages matching “{q}”{threadId && " in a thread"}
      </h1>
      {threadId && (
        <p>
          <a href={routePath({ screen: "search", q })} onClick={onLinkClick({ screen: "search", q })}>
            Search all messages
          </a>
        </p>
      )}
      <ErrorLine error={error} />
      {hits === null && !error && <p role="status">Searching…</p>}
      {hits?.length === 0 && <p class="empty">No messages match.</p>}
      <ol class="search-results">
        {hits?.map(({ message, roomId, highlights }) => (
          <li key={message.id} class="card search-hit">
            <a href={routePath(resultRoute(roomId, message))} onClick={onLinkClick(resultRoute(roomId, message))}>
              <span class="meta">
                <span class="author">{names[message.authorId] ?? "…"}</span> in <span>{roomName(roomId)}</span>{" "}
                <time dateTime={message.createdAt}>{new Date(message.createdAt).toLocaleString()}</time>
              </span>
              <span class="body">
                {highlightParts(message.body ?? "", highlights).map((part, i) =>
                  part.matched ? <mark key={i}>{part.text}</mark> : part.text,
                )}
              </span>
            </a>
          </li>
        ))}
      </ol>
      {cursor && (
        <button type="button" disabled={busy} onClick={() => load(cursor)}>
          Show more results
        </button>
      )}
    </section>
  );
}
