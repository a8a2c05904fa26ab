import type { ChatSession } from "../chat/chat-session.js";
import { useObservable } from "../state/observable.js";
import { onLinkClick } from "../state/router.js";

/** The joined rooms with their unread counts, and the ways to find or start others. */
export function RoomList({ session, activeRoomId }: { session: ChatSession; activeRoomId: string | null }) {
  const rooms = useObservable(session.rooms);
  const unread = useObservable(session.unread);
  return (
    <nav class="sidebar" aria-label="Rooms">
      <div class="sidebar-actions">
        <a class="button" href="/new" onClick={onLinkClick({ screen: "new-room" })}>
          New room
        </a>
        <a class="button" href="/discover" onClick={onLinkClick({ screen: "discover" })}>
          Discover
        </a>
      </div>
      <h2 class="sidebar-title" id="joined-rooms">
        Your rooms
      </h2>
      {rooms.length === 0 ? (
        <p class="empty">You have not joined any room yet.</p>
      ) : (
        <ul class="room-list" aria-labelledby="joined-rooms">
          {rooms.map((room) => {
            const count = unread[room.id] ?? 0;
            return (
              <li key={room.id}>
                <a
                  href={`/rooms/${encodeURIComponent(room.id)}`}
                  onClick={onLinkClick({ screen: "room", roomId: room.id })}
                  aria-current={room.id === activeRoomId ? "page" : undefined}
                  class={count > 0 ? "has-unread" : undefined}
                >
                  <span class="room-name">{room.name}</span>
                  {!room.open && <span class="tag">closed</span>}
                  {count > 0 && (
                    <span class="badge" data-testid="unread">
                      {count > 999 ? "999+" : count}
                      <span class="visually-hidden"> unread</span>
                    </span>
                  )}
                </a>
              </li>
            );
          })}
        </ul>
      )}
    </nav>
  );
}
