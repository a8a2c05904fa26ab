import type { Room } from "@natter/client";
import { useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { errorText } from "../failures/error-text.js";
import { ErrorLine } from "../failures/use-failure.js";
import { useObservable } from "../state/observable.js";
import { navigate } from "../state/router.js";
import { useKeysetPages } from "../state/use-keyset-pages.js";

const roomKey = (room: Room) => room.id;

/** Every room one may see, page by page, with a way to join the open ones. */
export function DiscoverView({ session }: { session: ChatSession }) {
  const joined = useObservable(session.rooms);
  const [joinError, setJoinError] = useState<string | null>(null);
  const {
    items: rooms,
    cursor,
    error: loadError,
    busy,
    loadMore,
  } = useKeysetPages(async (cursor) => {
    const page = await session.client.trpc.rooms.list.query({ scope: "all", limit: 50, ...(cursor && { cursor }) });
    return { items: page.rooms, nextCursor: page.nextCursor };
  }, roomKey);
  const error = joinError ?? loadError;

  const join = async (room: Room) => {
    try {
      await session.join(room.id);
      navigate({ screen: "room", roomId: room.id });
    } catch (failure) {
      setJoinError(errorText(failure));
    }
  };

  const joinedIds = new Set(joined.map((room) => room.id));
  return (
    <section class="panel" aria-labelledby="discover-title">
      <h1 id="discover-title">Discover rooms</h1>
      <ErrorLine error={error} />
      <ul class="discover-list">
        {rooms.map((room) => (
          <li key={room.id} class="card discover-item">
            <div>
              <h2 class="room-title">{room.name}</h2>
              <p class="hint">
                {room.open ? "Open" : "Closed"} · {room.memberCount} member{room.memberCount === 1 ? "" : "s"}
              </p>
            </div>
            {joinedIds.has(room.id) ? (
              <button type="button" onClick={() => navigate({ screen: "room", roomId: room.id })}>
                Open <span class="visually-hidden">{room.name}</span>
              </button>
            ) : (
              <button type="button" class="primary" onClick={() => join(room)}>
                Join <span class="visually-hidden">{room.name}</span>
              </button>
            )}
          </li>
        ))}
      </ul>
      {rooms.length === 0 && cursor !== undefined && <p class="empty">No rooms yet. Start one!</p>}
      {cursor && (
        <button type="button" disabled={busy} onClick={loadMore}>
          Show more rooms
        </button>
      )}
    </section>
  );
}
