import type { Room } from "@natter/client";
import { useEffect, useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { errorText } from "../failures/error-text.js";
import { ErrorLine } from "../failures/use-failure.js";
import { useObservable } from "../state/observable.js";
import { navigate } from "../state/router.js";

/** Every room one may see, page by page, with a way to join the open ones. */
export function DiscoverView({ session }: { session: ChatSession }) {
  const joined = useObservable(session.rooms);
  const [rooms, setRooms] = useState<Room[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const loadMore = async (from?: string) => {
    setBusy(true);
    try {
      const page = await session.client.trpc.rooms.list.query({
        scope: "all",
        limit: 50,
        ...(from && { cursor: from }),
      });
      setRooms((shown) => [...shown, ...page.rooms.filter((room) => !shown.some((other) => other.id === room.id))]);
      setCursor(page.nextCursor);
      setError(null);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    void loadMore();
  }, []);

  const join = async (room: Room) => {
    try {
      await session.join(room.id);
      navigate({ screen: "room", roomId: room.id });
    } catch (failure) {
      setError(errorText(failure));
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
        <button type="button" disabled={busy} onClick={() => loadMore(cursor)}>
          Show more rooms
        </button>
      )}
    </section>
  );
}
