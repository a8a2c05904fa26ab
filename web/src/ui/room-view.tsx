import { createRoomSignals, type Room } from "@natter/client";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { errorText } from "../failures/error-text.js";
import { ErrorLine } from "../failures/use-failure.js";
import { useLiveState, useObservable } from "../state/observable.js";
import { navigate } from "../state/router.js";
import { Composer } from "./composer.js";
import { MembersPanel } from "./members-panel.js";
import { MessageList } from "./message-list.js";
import { PinsPanel } from "./pins-panel.js";
import { RoomHeader } from "./room-header.js";
import { ThreadPanel } from "./thread-panel.js";
import { TypingLine } from "./typing-line.js";

/** What the room shows beside its messages: its members, its pinned messages or one thread. */
type SidePanel = { kind: "members" } | { kind: "pins" } | { kind: "thread"; rootId: string } | null;

/** One room: its history and live messages, who is here, threads and pins beside, and the composer. */
export function RoomView({
  session,
  roomId,
  messageId,
  threadId,
}: {
  session: ChatSession;
  roomId: string;
  /** A message to bring into view and mark (a search result's). */
  messageId?: string | undefined;
  /** A thread to open beside the room, `messageId` being one of its messages. */
  threadId?: string | undefined;
}) {
  const joinedRooms = useObservable(session.rooms);
  const joined = joinedRooms.find((room) => room.id === roomId);
  const [preview, setPreview] = useState<Room | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [side, setSide] = useState<SidePanel>(null);
  const signals = useMemo(() => createRoomSignals(session.client.trpc, roomId), [session, roomId]);
  const presence = useLiveState(signals);
  const newest = useObservable(session.histories)[roomId]?.messages.at(-1);
  const myRole = useObservable(session.members.byRoom)[roomId]?.find((member) => member.userId === session.me.id)?.role;
  const roomModerator = myRole === "owner" || myRole === "admin";

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

  // Where members have read up to: loaded whenever the room's signals (re)connect, live in between.
  useEffect(() => {
    if (presence.connected && joined) session.conversations.loadReceipts(roomId).catch(() => {});
  }, [session, roomId, presence.connected, joined !== undefined]);

  useEffect(() => setSide(threadId ? { kind: "thread", rootId: threadId } : null), [roomId, threadId]);

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
  const toggle = (kind: "members" | "pins") => setSide((shown) => (shown?.kind === kind ? null : { kind }));

  return (
    <section class={`room ${side ? "room-with-members" : ""}`} aria-labelledby="room-title">
      <RoomHeader
        session={session}
        room={room}
        joined={joined !== undefined}
        membersShown={side?.kind === "members"}
        onToggleMembers={() => toggle("members")}
        pinsShown={side?.kind === "pins"}
        onTogglePins={() => toggle("pins")}
        onLeft={() => navigate({ screen: "home" })}
      />
      <ErrorLine error={error} />
      <div class="room-body">
        <div class="room-main">
          <MessageList
            session={session}
            roomId={roomId}
            focusId={threadId ?? messageId}
            liveReceipts={presence.receipts}
            onOpenThread={(rootId) => setSide({ kind: "thread", rootId })}
          />
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
        {side?.kind === "members" && <MembersPanel session={session} room={room} presence={presence} />}
        {side?.kind === "pins" && (
          <PinsPanel session={session} roomId={roomId} canPin={roomModerator} onClose={() => setSide(null)} />
        )}
        {side?.kind === "thread" && (
          <ThreadPanel
            session={session}
            roomId={roomId}
            rootId={side.rootId}
            member={joined !== undefined}
            roomModerator={roomModerator}
            focusId={side.rootId === threadId ? messageId : undefined}
            onClose={() => setSide(null)}
          />
        )}
      </div>
    </section>
  );
}
