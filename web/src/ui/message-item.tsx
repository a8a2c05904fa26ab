import type { Message } from "@natter/client";
import { useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { seenByText } from "../chat/seen-by.js";
import type { QueuedMessage } from "../chat/send-queue.js";
import { ErrorLine, useFailure } from "../failures/use-failure.js";
import { useObservable } from "../state/observable.js";
import { MessageAttachments } from "./message-attachments.js";
import { MessageBody } from "./message-body.js";
import { MessageReactions } from "./message-reactions.js";
import { ReportMessage } from "./report-message.js";

interface MessageItemProps {
  session: ChatSession;
  message: Message;
  author: string;
  own: boolean;
  /** May delete the message though it is someone else's. */
  moderator: boolean;
  /** The message a search result opened the room at: marked. */
  focused?: boolean;
  /** Whether the reader is a member of the room: members react and reply. */
  member?: boolean;
  /** May pin and unpin (the room's owner and admins). */
  canPin?: boolean;
  /** Opens the message's thread; absent where threads are not offered (in a thread, say). */
  onOpenThread?: ((messageId: string) => void) | undefined;
  /** The names of those whose newest read message this is. */
  seenBy?: readonly string[];
  /** Whether only part of the room's receipts were read: `seenBy` may miss some. */
  seenByPartial?: boolean;
}

/** One message. Its body is rendered from natter's formatting grammar, never as HTML. */
export function MessageItem({
  session,
  message,
  author,
  own,
  moderator,
  focused = false,
  member = false,
  canPin = false,
  onOpenThread,
  seenBy = [],
  seenByPartial = false,
}: MessageItemProps) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(message.body ?? "");
  const [confirmDelete, setConfirmDelete] = useState(false);
  const { error, attempt } = useFailure();
  const deleted = message.deletedAt !== null;

  const save = async (event: Event) => {
    event.preventDefault();
    if (await attempt(() => session.edit(message, draft))) setEditing(false);
  };
  const remove = async () => {
    if (!(await attempt(() => session.delete(message)))) setConfirmDelete(false);
  };

  return (
    <li
      id={`message-${message.id}`}
      class={`message${own ? " own" : ""}${deleted ? " deleted" : ""}${focused ? " focused" : ""}`}
      data-seq={message.seq}
    >
      <div class="meta">
        <span class="author">{author}</span>
        <time dateTime={message.createdAt}>{formatTime(message.createdAt)}</time>
        {message.editedAt && !deleted && <span class="edited">(edited)</span>}
        {message.pinnedAt && !deleted && <span class="tag pinned">Pinned</span>}
      </div>
      {deleted ? (
        <p class="body tombstone">This message was deleted.</p>
      ) : editing ? (
        <form class="edit-form" onSubmit={save}>
          <label for={`edit-${message.id}`} class="visually-hidden">
            Edit message
          </label>
          <textarea
            id={`edit-${message.id}`}
            value={draft}
            maxLength={4000}
            rows={2}
            onInput={(event) => setDraft(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === "Escape") setEditing(false);
            }}
          />
          <button type="submit" class="primary">
            Save
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <MessageBody body={message.body ?? ""} usernames={mentionedNames(message)} />
      )}
      {!deleted && message.attachments.length > 0 && (
        <MessageAttachments images={session.images} attachments={message.attachments} author={author} />
      )}
      {!deleted && (
        <MessageReactions
          session={session}
          message={message}
          canReact={member}
          onToggle={(emoji) => attempt(() => session.conversations.toggleReaction(message, emoji))}
        />
      )}
      {onOpenThread && message.thread && (
        <button type="button" class="link thread-summary" onClick={() => onOpenThread(message.id)}>
          {message.thread.replyCount} {message.thread.replyCount === 1 ? "reply" : "replies"}
          <span class="visually-hidden"> in the thread</span>
        </button>
      )}
      {!deleted && !editing && (
        <div class="message-actions">
          {onOpenThread && member && !message.thread && (
            <button type="button" class="small" onClick={() => onOpenThread(message.id)}>
              Reply in thread
            </button>
          )}
          {canPin && (
            <button
              type="button"
              class="small"
              onClick={() => attempt(() => session.conversations.setPinned(message, message.pinnedAt === null))}
            >
              {message.pinnedAt === null ? "Pin" : "Unpin"}
              <span class="visually-hidden"> message</span>
            </button>
          )}
          {own && (
            <button
              type="button"
              class="small"
              onClick={() => {
                setDraft(message.body ?? "");
                setEditing(true);
              }}
            >
              Edit<span class="visually-hidden"> message</span>
            </button>
          )}
          {!own && <ReportMessage session={session} message={message} />}
          {!(own || moderator) ? null : confirmDelete ? (
            <>
              <button type="button" class="small danger" onClick={remove}>
                Delete for everyone
              </button>
              <button type="button" class="small" onClick={() => setConfirmDelete(false)}>
                Keep
              </button>
            </>
          ) : (
            <button type="button" class="small" onClick={() => setConfirmDelete(true)}>
              Delete<span class="visually-hidden"> message</span>
            </button>
          )}
        </div>
      )}
      {seenBy.length > 0 && <p class="seen-by">{seenByText(seenBy, seenByPartial)}</p>}
      <ErrorLine error={error} />
    </li>
  );
}

/** A message on its way: sending, waiting for the network, or refused. */
export function PendingItem({ session, item, author }: { session: ChatSession; item: QueuedMessage; author: string }) {
  const status = useObservable(session.connection.status);
  return (
    <li class="message own pending">
      <div class="meta">
        <span class="author">{author}</span>
        <span class="state">
          {item.refused ? `Not sent: ${item.refused}` : status === "lost" ? "Waiting for connection" : "Sending…"}
        </span>
      </div>
      <p class="body">{item.body}</p>
      {item.attachmentIds && (
        <p class="hint">
          With {item.attachmentIds.length} image{item.attachmentIds.length === 1 ? "" : "s"}
        </p>
      )}
      {item.refused && (
        <div class="message-actions">
          <button type="button" class="small" onClick={() => session.outbox.discard(item.clientMessageId)}>
            Discard
          </button>
        </div>
      )}
    </li>
  );
}

/** The names the server resolved as mentions, lower-cased; `@room` when it mentions everyone. */
function mentionedNames(message: Message): Set<string> {
  const names = new Set(message.mentions.map((mention) => mention.username.toLowerCase()));
  if (message.mentionsRoom) names.add("@room");
  return names;
}

function formatTime(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}
