import type { Message } from "@natter/client";
import type { ChatSession } from "../chat/chat-session.js";
import { ErrorLine } from "../failures/use-failure.js";
import { useObservable } from "../state/observable.js";
import { useKeysetPages } from "../state/use-keyset-pages.js";

const PAGE_SIZE = 20;

interface ReactorListProps {
  session: ChatSession;
  message: Message;
  emoji: string;
  onClose(): void;
}

/** A user as a list of people shows them: their display name with their username, or the username alone. */
function nameOf(username: string | undefined, displayName: string | null | undefined): string | undefined {
  if (username === undefined) return undefined;
  return displayName ? `${displayName} (@${username})` : username;
}

/** Who reacted to a message with one emoji, earliest first, a page at a time ("More" while natter has more). */
export function ReactorList({ session, message, emoji, onClose }: ReactorListProps) {
  const names = useObservable(session.usernames.names);
  const displayNames = useObservable(session.usernames.displayNames);
  const {
    items: userIds,
    cursor,
    error,
    busy,
    loadMore,
  } = useKeysetPages(async (cursor) => {
    const page = await session.client.reactors(message.roomId, message.id, emoji, {
      limit: PAGE_SIZE,
      ...(cursor && { cursor }),
    });
    const ids = page.reactors.map((reactor) => reactor.userId);
    session.usernames.resolveProfiles(ids);
    return { items: ids, nextCursor: page.nextCursor };
  }, String);

  const label = `Who reacted with ${emoji}`;
  return (
    <div class="reactor-list">
      <ErrorLine error={error} />
      {userIds.length > 0 && (
        <ul aria-label={label}>
          {userIds.map((userId) => (
            <li key={userId}>
              {userId === session.me.id
                ? `${nameOf(names[userId], displayNames[userId]) ?? "you"} (you)`
                : (nameOf(names[userId], displayNames[userId]) ?? "…")}
            </li>
          ))}
        </ul>
      )}
      {userIds.length === 0 && cursor !== undefined && <p class="hint">Nobody any more.</p>}
      <div class="reactor-actions">
        {cursor && (
          <button type="button" class="small" disabled={busy} onClick={loadMore}>
            More <span class="visually-hidden">who reacted with {emoji}</span>
          </button>
        )}
        <button type="button" class="small" onClick={onClose}>
          Close <span class="visually-hidden">who reacted with {emoji}</span>
        </button>
      </div>
    </div>
  );
}
