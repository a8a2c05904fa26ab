import { awaitingConfirmation } from "@natter/client";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { seenByMessage } from "../chat/seen-by.js";
import { groupByDay, localDay } from "../chat/timeline.js";
import { useObservable } from "../state/observable.js";
import { MessageItem, PendingItem } from "./message-item.js";

/** How close to the bottom still counts as "reading the newest": new messages then scroll into view. */
const STICK_TO_BOTTOM_PX = 80;

/**
 * A room's messages by day, older pages on request, and the messages still on their way. With
 * `focusId`, older pages are loaded until that message is there, and it is scrolled into view and marked.
 */
export function MessageList({
  session,
  roomId,
  focusId,
  liveReceipts = {},
  onOpenThread,
}: {
  session: ChatSession;
  roomId: string;
  focusId?: string | undefined;
  /** Read positions that moved live (the room's signals), by user id. */
  liveReceipts?: Readonly<Record<string, number>>;
  onOpenThread?: (rootId: string) => void;
}) {
  const history = useObservable(session.histories)[roomId];
  const names = useObservable(session.usernames.names);
  const outbox = useObservable(session.outbox.items);
  const myRole = useObservable(session.members.byRoom)[roomId]?.find((member) => member.userId === session.me.id)?.role;
  // Room admins, the owner and server admins may delete anyone's message; admins and the owner pin.
  const roomModerator = myRole === "admin" || myRole === "owner";
  const moderator = session.me.isAdmin || roomModerator;
  useObservable(session.conversations.receipts);
  const receiptsPartial = useObservable(session.conversations.receiptsPartial)[roomId] ?? false;
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const heightBefore = useRef<number | null>(null);

  const messages = history?.messages ?? [];
  const seenBy = seenByMessage(messages, session.conversations.receiptsOf(roomId, liveReceipts), session.me.id);
  // The SDK's rule, as its live rooms apply it: a queued message whose stored copy arrived live is shown once.
  const pending = awaitingConfirmation(
    outbox.filter((item) => item.roomId === roomId),
    (item) => item,
    messages,
    session.me.id,
  );

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    if (heightBefore.current !== null) {
      // An older page went in above: keep what was on screen where it was.
      element.scrollTop += element.scrollHeight - heightBefore.current;
      heightBefore.current = null;
    } else if (atBottom.current) {
      element.scrollTop = element.scrollHeight;
    }
  });

  const focusShown = focusId !== undefined && messages.some((message) => message.id === focusId);
  useEffect(() => {
    if (focusId === undefined || !history) return;
    if (focusShown) {
      atBottom.current = false;
      document.getElementById(`message-${focusId}`)?.scrollIntoView({ block: "center" });
    } else if (history.hasOlder && !history.loadingOlder) {
      session.loadOlder(roomId).catch(() => undefined);
    }
  }, [focusId, focusShown, history?.hasOlder, history?.loadingOlder]);

  const loadOlder = () => {
    heightBefore.current = scroller.current?.scrollHeight ?? null;
    session.loadOlder(roomId).catch(() => {
      heightBefore.current = null;
    });
  };
  const onScroll = () => {
    const element = scroller.current;
    if (element)
      atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < STICK_TO_BOTTOM_PX;
  };

  const today = localDay(new Date().toISOString());
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable log takes focus so that the keyboard can scroll it
    <div class="messages" ref={scroller} onScroll={onScroll} role="log" aria-label="Messages" tabIndex={0}>
      {history?.hasOlder && (
        <button type="button" class="load-older" disabled={history.loadingOlder} onClick={loadOlder}>
          {history.loadingOlder ? "Loading…" : "Load older messages"}
        </button>
      )}
      {!history && <p role="status">Loading messages…</p>}
      {history && messages.length === 0 && pending.length === 0 && <p class="empty">No messages yet. Say hello!</p>}
      <ol class="message-list">
        {groupByDay(messages).map(({ day, messages: ofDay }) => [
          <li key={`day-${day}`} class="day-separator">
            <span>{day === today ? "Today" : formatDay(day)}</span>
          </li>,
          ...ofDay.map((message) => (
            <MessageItem
              key={message.id}
              session={session}
              message={message}
              author={names[message.authorId] ?? "…"}
              own={message.authorId === session.me.id}
              moderator={moderator}
              focused={message.id === focusId}
              member={myRole !== undefined}
              canPin={roomModerator}
              onOpenThread={onOpenThread}
              seenBy={(seenBy.get(message.id) ?? []).map((userId) => names[userId] ?? "…")}
              seenByPartial={receiptsPartial}
            />
          )),
        ])}
        {pending.map((item) => (
          <PendingItem key={item.clientMessageId} session={session} item={item} author={session.me.username} />
        ))}
      </ol>
    </div>
  );
}

function formatDay(day: string): string {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(year ?? 1970, (month ?? 1) - 1, date ?? 1).toLocaleDateString(undefined, {
    weekday: "long",
    year: "numeric",
    month: "long",
    day: "numeric",
  });
}
