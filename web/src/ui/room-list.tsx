import type { Room, RoomUnreadCount } from "@natter/client";
import type { ChatSession } from "../chat/chat-session.js";
import { useObservable } from "../state/observable.js";
import { onLinkClick } from "../state/router.js";

/** The joined rooms with their unread counts and mentions of me, and the ways to find or start others. */
export function RoomList({
  session,
  activeRoomId,
  threadsShown,
}: {
  session: ChatSession;
  activeRoomId: string | null;
  /** Whether "My threads" is the screen shown. */
  threadsShown: boolean;
}) {
  const all = useObservable(session.rooms);
  const unread = useObservable(session.unread);
  useObservable(session.direct.peers);
  const rooms = all.filter((room) => room.kind !== "direct");
  const directs = all.filter((room) => room.kind === "direct");
  const entry = (room: Room) => (
    <RoomEntry
      key={room.id}
      room={room}
      title={session.direct.titleOf(room)}
      counts={unread[room.id] ?? NONE}
      active={room.id === activeRoomId}
    />
  );
  return (
    <nav class="sidebar" aria-label="Rooms">
      <div class="sidebar-actions">
        <a class="button" href="/new" onClick={onLinkClick({ screen: "new-room" })}>
          New room
        </a>
        <a class="button" href="/discover" onClick={onLinkClick({ screen: "discover" })}>
          Discover
        </a>
        <a
          class="button"
          href="/threads"
          onClick={onLinkClick({ screen: "my-threads" })}
          aria-current={threadsShown ? "page" : undefined}
        >
          My threads
        </a>
      </div>
      <h2 class="sidebar-title" id="joined-rooms">
        Your rooms
      </h2>
      {rooms.length === 0 ? (
        <p class="empty">You have not joined any room yet.</p>
      ) : (
        <ul class="room-list" aria-labelledby="joined-rooms">
          {rooms.map(entry)}
        </ul>
      )}
      {directs.length > 0 && (
        <>
          <h2 class="sidebar-title" id="direct-rooms">
            Direct messages
          </h2>
          <ul class="room-list" aria-labelledby="direct-rooms">
            {directs.map(entry)}
          </ul>
        </>
      )}
    </nav>
  );
}

const NONE: RoomUnreadCount = { unread: 0, mentions: 0 };

function RoomEntry({
  room,
  title,
  counts: { unread, mentions },
  active,
}: {
  room: Room;
  title: string;
  counts: RoomUnreadCount;
  active: boolean;
}) {
  return (
    <li>
      <a
        href={`/rooms/${encodeURIComponent(room.id)}`}
        onClick={onLinkClick({ screen: "room", roomId: room.id })}
        aria-current={active ? "page" : undefined}
        class={unread > 0 ? "has-unread" : undefined}
      >
        <span class="room-name">{title}</span>
        {!room.open && room.kind !== "direct" && <span class="tag">closed</span>}
        {unread > 0 && (
          <span class="badge" data-testid="unread">
            {unread > 999 ? "999+" : unread}
            <span class="visually-hidden"> unread</span>
          </span>
        )}
        {mentions > 0 && (
          <span class="badge mentions" data-testid="mentions">
            <span aria-hidden="true">@</span>
            {mentions > 999 ? "999+" : mentions}
            <span class="visually-hidden">{mentions === 1 ? " mention" : " mentions"}</span>
          </span>
        )}
      </a>
    </li>
  );
}
