import { createRoomSignals, type Room } from "@natter/client";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { useLiveState, useObservable } from "../state/observable.js";
import { navigate } from "../state/router.js";
import { Composer } from "./composer.js";
import { errorText } from "./error-text.js";
import { MembersPanel } from "./members-panel.js";
import { MessageList } from "./message-list.js";
import { RoomHeader } from "./room-header.js";
import { TypingLine } from "./typing-line.js";
import { ErrorLine } from "./use-failure.js";

/** One room: its history and live messages, who is here, and the composer. */
export function RoomView({
  session,
  roomId,
  messageId,
}: {
  session: ChatSession;
  roomId: string;
  /** A message to bring into view and mark (a search result's). */
  messageId?: string | undefined;
}) {
  const joinedRooms = useObservable(session.rooms);
  const joined = joinedRooms.find((room) => room.id === roomId);
  const [preview, setPreview] = useState<Room | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [showMembers, setShowMembers] = useState(false);
  const signals = useMemo(() => createRoomSignals(session.client.trpc, roomId), [session, roomId]);
  const presence = useLiveState(signals);
  const newest = useObservable(session.histories)[roomId]?.messages.at(-1);

  // Whoever just sent a message has stopped typing it; typing again raises the indicator again.
  useEffect(() => {
    if (newest) signals.clearTyping(newest.authorId);
  }, [signals, newest?.id, newest?.authorId]);

  useEffect(() => {
    session.openRoom(roomId).catch((failure: unknown) => setError(errorText(failure)));
    return () => {
      void session.openRoom(null);
    };
  }, [session, roomId]);

  const wasJoined = useRef(false);
  useEffect(() => {
    if (joined) {
      wasJoined.current = true;
      return;
    }
    // Removed from the room, or it was deleted, while on screen: back to the rooms (the banner says why).
    if (wasJoined.current) return navigate({ screen: "home" });
    session.client.trpc.rooms.get.query({ roomId }).then(
      ({ room }) => setPreview(room),
      (failure: unknown) => setError(errorText(failure)),
    );
  }, [session, roomId, joined]);

  const room = joined ?? preview;
  if (!room) {
    return (
      <section class="panel">
        <p role={error ? "alert" : "status"}>{error ?? "Loading the room…"}</p>
      </section>
    );
  }
  const join = () => session.join(roomId).catch((failure: unknown) => setError(errorText(failure)));

  return (
    <section class={`room ${showMembers ? "room-with-members" : ""}`} aria-labelledby="room-title">
      <RoomHeader
        session={session}
        room={room}
        joined={joined !== undefined}
        membersShown={showMembers}
        onToggleMembers={() => setShowMembers((shown) => !shown)}
        onLeft={() => navigate({ screen: "home" })}
      />
      <ErrorLine error={error} />
      <div class="room-body">
        <div class="room-main">
          <MessageList session={session} roomId={roomId} focusId={messageId} />
          <TypingLine typing={presence.typing.filter((user) => user.userId !== session.me.id)} />
          {joined ? (
            <Composer session={session} roomId={roomId} />
          ) : (
            <div class="join-bar">
              <p>You are reading {room.name} as a guest.</p>
              <button type="button" class="primary" onClick={join}>
                Join this room
              </button>
            </div>
          )}
        </div>
        {showMembers && <MembersPanel session={session} room={room} presence={presence} />}
      </div>
    </section>
  );
}
