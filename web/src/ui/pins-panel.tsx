import { useEffect, useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { errorText } from "../failures/error-text.js";
import { ErrorLine, useFailure } from "../failures/use-failure.js";
import { useObservable } from "../state/observable.js";
import { MessageBody } from "./message-body.js";

interface PinsPanelProps {
  session: ChatSession;
  roomId: string;
  /** The room's owner and admins unpin here. */
  canPin: boolean;
  onClose(): void;
}

/** A room's pinned messages, newest pin first, kept live. */
export function PinsPanel({ session, roomId, canPin, onClose }: PinsPanelProps) {
  const pinned = useObservable(session.conversations.pins)[roomId];
  const names = useObservable(session.usernames.names);
  const [loadError, setLoadError] = useState<string | null>(null);
  const { error, attempt } = useFailure();

  useEffect(() => {
    session.conversations.loadPins(roomId).catch((failure: unknown) => setLoadError(errorText(failure)));
  }, [session, roomId]);

  return (
    <aside class="side-panel pins-panel" aria-labelledby="pins-title">
      <div class="side-panel-header">
        <h2 id="pins-title">Pinned messages</h2>
        <button type="button" class="small" onClick={onClose}>
          Close<span class="visually-hidden"> pinned messages</span>
        </button>
      </div>
      <ErrorLine error={loadError} />
      {!pinned && !loadError && <p role="status">Loading pinned messages…</p>}
      {pinned?.length === 0 && <p class="empty">Nothing is pinned.</p>}
      {pinned && pinned.length > 0 && (
        <ul class="pinned-list">
          {pinned.map((message) => (
            <li key={message.id} class="pinned-message">
              <div class="meta">
                <span class="author">{names[message.authorId] ?? "…"}</span>
                {message.pinnedBy && <span>pinned by {names[message.pinnedBy] ?? "…"}</span>}
              </div>
              <MessageBody body={message.body ?? ""} usernames={new Set()} />
              {canPin && (
                <button
                  type="button"
                  class="small"
                  onClick={() => attempt(() => session.conversations.setPinned(message, false))}
                >
                  Unpin<span class="visually-hidden"> this pinned message</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <ErrorLine error={error} />
    </aside>
  );
}
