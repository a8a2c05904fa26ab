import type { SearchHit } from "@natter/client";
import { useEffect, useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { errorText } from "../failures/error-text.js";
import { ErrorLine } from "../failures/use-failure.js";
import { highlightParts } from "../search/highlight-parts.js";
import { useObservable } from "../state/observable.js";
import { onLinkClick } from "../state/router.js";

/** Search results: each message with what matched marked, opening its room at the message. */
export function SearchView({ session, q }: { session: ChatSession; q: string }) {
  const names = useObservable(session.usernames.names);
  const rooms = useObservable(session.rooms);
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async (from: string | null) => {
    setBusy(true);
    try {
      const page = await session.client.searchMessages(q, { limit: 20, ...(from && { cursor: from }) });
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
  }, [q]);

  const roomName = (roomId: string) => rooms.find((room) => room.id === roomId)?.name ?? "an open room";
  return (
    <section class="panel" aria-labelledby="search-title">
      <h1 id="search-title">Messages matching “{q}”</h1>
      <ErrorLine error={error} />
      {hits === null && !error && <p role="status">Searching…</p>}
      {hits?.length === 0 && <p class="empty">No messages match.</p>}
      <ol class="search-results">
        {hits?.map(({ message, roomId, highlights }) => (
          <li key={message.id} class="card search-hit">
            <a
              href={`/rooms/${encodeURIComponent(roomId)}?message=${encodeURIComponent(message.id)}`}
              onClick={onLinkClick({ screen: "room", roomId, messageId: message.id })}
            >
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
