import type { Room } from "@natter/client";
import { useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { ErrorLine, useFailure } from "../failures/use-failure.js";
import { useObservable } from "../state/observable.js";
import { onLinkClick } from "../state/router.js";

interface RoomHeaderProps {
  session: ChatSession;
  room: Room;
  joined: boolean;
  membersShown: boolean;
  onToggleMembers(): void;
  pinsShown: boolean;
  onTogglePins(): void;
  onLeft(): void;
}

/** The room's name with rename, the members and pinned-messages toggles, and leaving. */
export function RoomHeader({
  session,
  room,
  joined,
  membersShown,
  onToggleMembers,
  pinsShown,
  onTogglePins,
  onLeft,
}: RoomHeaderProps) {
  const [renaming, setRenaming] = useState(false);
  const [name, setName] = useState(room.name);
  const [confirmLeave, setConfirmLeave] = useState(false);
  const { error, attempt } = useFailure();
  const peer = useObservable(session.direct.peers)[room.id];
  const blocked = useObservable(session.direct.blocked);
  // A direct room is never renamed or left: it is the two people's for good.
  const direct = room.kind === "direct";

  const rename = async (event: Event) => {
    event.preventDefault();
    if (await attempt(() => session.moderation.rename(room.id, name))) setRenaming(false);
  };
  const leave = async () => {
    if (await attempt(() => session.leave(room.id))) onLeft();
  };

  return (
    <header class="room-header">
      <a class="back" href="/" onClick={onLinkClick({ screen: "home" })}>
        <span aria-hidden="true">←</span>
        <span class="visually-hidden">Back to rooms</span>
      </a>
      {renaming ? (
        <form class="inline-form" onSubmit={rename}>
          <label for="rename-input" class="visually-hidden">
            Room name
          </label>
          <input
            id="rename-input"
            value={name}
            maxLength={100}
            required
            onInput={(event) => setName(event.currentTarget.value)}
          />
          <button type="submit" class="primary">
            Save
          </button>
          <button type="button" onClick={() => setRenaming(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <h1 id="room-title" class="room-title">
          {session.direct.titleOf(room)}
          {direct ? <span class="tag">direct</span> : !room.open && <span class="tag">closed</span>}
        </h1>
      )}
      <div class="room-actions">
        <button type="button" aria-pressed={membersShown} onClick={onToggleMembers}>
          Members ({room.memberCount})
        </button>
        <button type="button" aria-pressed={pinsShown} onClick={onTogglePins}>
          Pinned
        </button>
        {direct && peer && (
          <button
            type="button"
            onClick={() => attempt(() => session.direct.setBlocked(peer.id, !blocked.has(peer.id)))}
          >
            {blocked.has(peer.id) ? "Unblock" : "Block"}
            <span class="visually-hidden"> {peer.username}</span>
          </button>
        )}
        {joined && !direct && !renaming && (
          <button
            type="button"
            onClick={() => {
              setName(room.name);
              setRenaming(true);
            }}
          >
            Rename
          </button>
        )}
        {joined &&
          !direct &&
          (confirmLeave ? (
            <>
              <button type="button" class="danger" onClick={leave}>
                Leave {room.name}
              </button>
              <button type="button" onClick={() => setConfirmLeave(false)}>
                Stay
              </button>
            </>
          ) : (
            <button type="button" onClick={() => setConfirmLeave(true)}>
              Leave
            </button>
          ))}
      </div>
      <ErrorLine error={error} />
    </header>
  );
}
