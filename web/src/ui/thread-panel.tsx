import { useEffect, useRef, useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { errorText } from "../failures/error-text.js";
import { ErrorLine, useFailure } from "../failures/use-failure.js";
import { useObservable } from "../state/observable.js";
import { navigate } from "../state/router.js";
import { MessageItem } from "./message-item.js";
import { SearchForm } from "./search-form.js";

interface ThreadPanelProps {
  session: ChatSession;
  roomId: string;
  rootId: string;
  /** Whether the reader is a member (members reply). */
  member: boolean;
  /** Whether the reader is the room's owner or an admin. */
  roomModerator: boolean;
  /** A message of the thread to bring into view and mark (a search result's). */
  focusId?: string | undefined;
  onClose(): void;
}

/**
 * A message's thread beside the room: its first message, the replies live, a reply box for
 * members, and a search of this thread's messages.
 */
export function ThreadPanel({ session, roomId, rootId, member, roomModerator, focusId, onClose }: ThreadPanelProps) {
  const thread = useObservable(session.conversations.threads)[rootId];
  const names = useObservable(session.usernames.names);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [draft, setDraft] = useState("");
  const { error, attempt } = useFailure();
  const panel = useRef<HTMLElement>(null);
  const focusShown =
    focusId !== undefined && (thread?.root?.id === focusId || thread?.replies.some((m) => m.id === focusId));

  useEffect(() => {
    // The first message is in the room's list too, under the same element id: look in this panel only.
    if (focusShown) panel.current?.querySelector(".message.focused")?.scrollIntoView({ block: "center" });
  }, [focusId, focusShown]);

  useEffect(() => {
    setLoadError(null);
    session.conversations.openThread(roomId, rootId).catch((failure: unknown) => setLoadError(errorText(failure)));
  }, [session, roomId, rootId]);

  const send = async (event: Event) => {
    event.preventDefault();
    const body = draft.trim();
    if (!body) return;
    if (await attempt(() => session.conversations.reply(roomId, rootId, body))) setDraft("");
  };
  const item = (message: NonNullable<typeof thread>["replies"][number]) => (
    <MessageItem
      key={message.id}
      focused={message.id === focusId}
      session={session}
      message={message}
      author={names[message.authorId] ?? "…"}
      own={message.authorId === session.me.id}
      moderator={session.me.isAdmin || roomModerator}
      member={member}
      canPin={roomModerator}
    />
  );

  return (
    <aside ref={panel} class="side-panel thread-panel" aria-labelledby="thread-title">
      <div class="side-panel-header">
        <h2 id="thread-title">Thread</h2>
        <button type="button" class="small" onClick={onClose}>
          Close<span class="visually-hidden"> thread</span>
        </button>
      </div>
      <search class="thread-search">
        <SearchForm
          id="thread-search-q"
          label="Search this thread"
          placeholder="Search this thread"
          button={
            <button type="submit" class="small">
              Search<span class="visually-hidden"> this thread</span>
            </button>
          }
          onSearch={(q) => navigate({ screen: "search", q, threadId: rootId })}
        />
      </search>
      <ErrorLine error={loadError} />
      {!thread && !loadError && <p role="status">Loading the thread…</p>}
      {thread && (
        <>
          <ol class="message-list thread-root">{thread.root && item(thread.root)}</ol>
          <p class="hint">
            {thread.root?.thread
              ? `${thread.root.thread.replyCount} ${thread.root.thread.replyCount === 1 ? "reply" : "replies"}`
              : "No replies yet."}
          </p>
          {thread.hasOlder && (
            <button
              type="button"
              class="load-older"
              disabled={thread.loadingOlder}
              onClick={() => session.conversations.loadOlderReplies(rootId).catch(() => undefined)}
            >
              {thread.loadingOlder ? "Loading…" : "Load older replies"}
            </button>
          )}
          <ol class="message-list" aria-label="Replies">
            {thread.replies.map(item)}
          </ol>
          {member && thread.root?.deletedAt === null && (
            <form class="thread-reply" onSubmit={send}>
              <label for="thread-reply-input" class="visually-hidden">
                Reply in the thread
              </label>
              <textarea
                id="thread-reply-input"
                rows={2}
                maxLength={4000}
                placeholder="Reply in the thread"
                value={draft}
                onInput={(event) => setDraft(event.currentTarget.value)}
                onKeyDown={(event) => {
                  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
                    event.preventDefault();
                    void send(event);
                  }
                }}
              />
              <button type="submit" class="primary" disabled={draft.trim() === ""}>
                Reply
              </button>
            </form>
          )}
          <ErrorLine error={error} />
        </>
      )}
    </aside>
  );
}
