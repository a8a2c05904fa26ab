import type { User } from "@natter/client";
import {
  type ChatMessage,
  usePresence,
  useRoomMessages,
  useSession,
  useTRPC,
  useTyping,
  useUnread,
} from "@natter/react";
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, type UIEvent, useEffect, useLayoutEffect, useRef, useState } from "react";

/** The whole app: a sign-in form, or the rooms with the one open. */
export function App() {
  const { status, user } = useSession();
  if (status === "loading")
    return (
      <main>
        <p role="status">Loading…</p>
      </main>
    );
  return user ? <Chat me={user} /> : <SignIn />;
}

function SignIn() {
  const { logIn, signUp } = useSession();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const attempt = (action: typeof logIn) => {
    setError("");
    action(username, password).catch((failure: Error) => setError(failure.message));
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    attempt(logIn);
  };
  return (
    <main>
      <h1>natter</h1>
      <form onSubmit={submit}>
        <p>
          <label>
            Username <input value={username} onChange={(event) => setUsername(event.target.value)} />
          </label>
        </p>
        <p>
          <label>
            Password <input type="password" value={password} onChange={(event) => setPassword(event.target.value)} />
          </label>
        </p>
        <button type="submit">Log in</button>{" "}
        <button onClick={() => attempt(signUp)} type="button">
          Sign up
        </button>
        <p role="alert">{error}</p>
      </form>
    </main>
  );
}

function Chat({ me }: { me: User }) {
  const trpc = useTRPC();
  const { logOut } = useSession();
  const rooms = useQuery(trpc.rooms.list.queryOptions({ scope: "joined" }));
  const unread = useUnread();
  const [chosen, setChosen] = useState<string>();
  const open = rooms.data?.rooms.find((room) => room.id === chosen) ?? rooms.data?.rooms[0];
  return (
    <div className="chat">
      <header>
        <span>Signed in as {me.username}</span>
        <button onClick={() => void logOut()} type="button">
          Log out
        </button>
      </header>
      <nav aria-label="Rooms">
        <ul>
          {rooms.data?.rooms.map((room) => {
            const count = unread.rooms[room.id]?.unread ?? 0;
            return (
              <li key={room.id}>
                <button aria-current={room.id === open?.id} onClick={() => setChosen(room.id)} type="button">
                  {room.name}
                  {count > 0 && <span className="badge"> ({count} unread)</span>}
                </button>
              </li>
            );
          })}
        </ul>
      </nav>
      <main>{open ? <Room key={open.id} roomId={open.id} name={open.name} me={me} /> : <p>No rooms yet.</p>}</main>
    </div>
  );
}

/** How a message's line ends: nothing once stored, else where it stands. */
function Delivery({ message, retry }: { message: ChatMessage; retry: (message: ChatMessage) => void }) {
  if (message.pending) return <small> (sending…)</small>;
  if (!message.failed) return null;
  return (
    <>
      <small> (not sent)</small>{" "}
      <button onClick={() => retry(message)} type="button">
        Retry
      </button>
    </>
  );
}

function Room({ roomId, name, me }: { roomId: string; name: string; me: User }) {
  const trpc = useTRPC();
  const members = useQuery(trpc.rooms.members.queryOptions({ roomId }));
  const { messages, status, hasOlder, loadingOlder, loadOlder, send, retry } = useRoomMessages(roomId, {
    pageSize: 30,
  });
  const { typing, notifyTyping, notifySent } = useTyping(roomId);
  const { present } = usePresence(roomId);
  const { markRead } = useUnread();
  const [draft, setDraft] = useState("");
  const list = useRef<HTMLOListElement>(null);
  /** How far the view is from the bottom: kept when messages arrive, above (older pages) or below (new ones). */
  const fromBottom = useRef(0);
  const names = new Map(members.data?.members.map((member) => [member.userId, member.username]));

  useLayoutEffect(() => {
    const element = list.current;
    if (element && messages.length > 0)
      element.scrollTop = element.scrollHeight - element.clientHeight - fromBottom.current;
  }, [messages]);
  useEffect(() => {
    if (status === "live" && messages.length > 0) markRead(roomId).catch(() => {});
  }, [status, messages, markRead, roomId]);

  const scrolled = (event: UIEvent<HTMLOListElement>) => {
    const element = event.currentTarget;
    fromBottom.current = element.scrollHeight - element.clientHeight - element.scrollTop;
    if (element.scrollTop < 40 && hasOlder && !loadingOlder) void loadOlder();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = draft.trim();
    if (!body) return;
    setDraft("");
    notifySent();
    fromBottom.current = 0;
    void send(body);
  };
  const typingLine = typing.map((user) => user.username).join(", ");
  return (
    <>
      <h1>{name}</h1>
      <p role="status">
        {status === "live" ? `Live, ${present.length} here` : status === "ended" ? "This room is gone" : `${status}…`}
        {typingLine && `; ${typingLine} typing…`}
      </p>
      {hasOlder && (
        <button disabled={loadingOlder} onClick={() => void loadOlder()} type="button">
          Load older messages
        </button>
      )}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling list must be reachable by keyboard to scroll it */}
      <ol aria-label="Messages" className="messages" onScroll={scrolled} ref={list} tabIndex={0}>
        {messages.map((message) => (
          <li
            className={message.pending ? "pending" : message.failed ? "failed" : "stored"}
            data-seq={message.pending || message.failed ? undefined : message.seq}
            key={message.clientMessageId ?? message.id}
          >
            <b>{message.authorId === me.id ? "You" : (names.get(message.authorId) ?? "Someone")}:</b>{" "}
            {message.deletedAt ? <i>deleted</i> : message.body}
            <Delivery message={message} retry={(failed) => void retry(failed)} />
          </li>
        ))}
      </ol>
      <form onSubmit={submit}>
        <label>
          Message{" "}
          <input
            onChange={(event) => {
              setDraft(event.target.value);
              notifyTyping();
            }}
            value={draft}
          />
        </label>{" "}
        <button type="submit">Send</button>
      </form>
    </>
  );
}
