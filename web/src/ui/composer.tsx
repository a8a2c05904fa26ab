import { useRef, useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";

/** How long before the server's typing indicator lapses it is refreshed while one keeps typing. */
const TYPING_REFRESH_MARGIN_MS = 1_500;

/** Writes a message: Enter sends, Shift+Enter starts a new line. Sending works offline too (it waits). */
export function Composer({ session, roomId }: { session: ChatSession; roomId: string }) {
  const [draft, setDraft] = useState("");
  const typingUntil = useRef(0);

  const signalTyping = () => {
    if (Date.now() < typingUntil.current - TYPING_REFRESH_MARGIN_MS || !navigator.onLine) return;
    typingUntil.current = Date.now() + 60_000; // no second call while this one is in flight
    session.client.trpc.rooms.typing.mutate({ roomId }).then(
      ({ expiresAt }) => {
        typingUntil.current = Date.parse(expiresAt);
      },
      () => {
        typingUntil.current = 0;
      },
    );
  };

  const send = () => {
    const body = draft.trim();
    if (!body) return;
    session.send(roomId, body);
    setDraft("");
    typingUntil.current = 0; // the others stop seeing the indicator when the message lands; a new draft raises it again
  };

  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <label for="composer-input" class="visually-hidden">
        Message
      </label>
      <textarea
        id="composer-input"
        rows={1}
        maxLength={4000}
        placeholder="Write a message"
        value={draft}
        onInput={(event) => {
          setDraft(event.currentTarget.value);
          if (event.currentTarget.value.trim()) signalTyping();
        }}
        onKeyDown={(event) => {
          if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            send();
          }
        }}
      />
      <button type="submit" class="primary" disabled={!draft.trim()}>
        Send
      </button>
    </form>
  );
}
