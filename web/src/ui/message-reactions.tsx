import type { Message } from "@natter/client";
import { useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { DEFAULT_REACTIONS, searchEmoji } from "../chat/emoji-names.js";
import { ReactorList } from "./reactor-list.js";

interface MessageReactionsProps {
  session: ChatSession;
  message: Message;
  /** Whether the reader may react (a member of the room). */
  canReact: boolean;
  onToggle(emoji: string): void;
}

/**
 * A message's reactions, each a toggle of mine with a "who" control beside it that lists who
 * reacted, and (for members) the picker to add another.
 */
export function MessageReactions({ session, message, canReact, onToggle }: MessageReactionsProps) {
  const [picking, setPicking] = useState(false);
  const [whoOf, setWhoOf] = useState<string | null>(null);
  const shownWho = message.reactions.find((reaction) => reaction.emoji === whoOf);
  if (message.reactions.length === 0 && !canReact) return null;
  return (
    <div class="reactions">
      {message.reactions.length > 0 && (
        <ul class="reaction-list" aria-label="Reactions">
          {message.reactions.map((reaction) => (
            <li key={reaction.emoji}>
              <button
                type="button"
                class={`reaction${reaction.me ? " mine" : ""}`}
                aria-pressed={reaction.me}
                disabled={!canReact}
                onClick={() => onToggle(reaction.emoji)}
              >
                <span aria-hidden="true">{reaction.emoji}</span> {reaction.count}
                <span class="visually-hidden">
                  {" "}
                  {reaction.emoji} reaction{reaction.count === 1 ? "" : "s"}
                </span>
              </button>
              <button
                type="button"
                class="small reaction-who"
                aria-expanded={whoOf === reaction.emoji}
                onClick={() => setWhoOf((open) => (open === reaction.emoji ? null : reaction.emoji))}
              >
                <span aria-hidden="true">who</span>
                <span class="visually-hidden">Who reacted with {reaction.emoji}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {canReact && (
        <button
          type="button"
          class="small add-reaction"
          aria-expanded={picking}
          onClick={() => setPicking((open) => !open)}
        >
          <span aria-hidden="true">☺+</span>
          <span class="visually-hidden">Add a reaction</span>
        </button>
      )}
      {shownWho && (
        // Keyed by the count: a reaction added or taken back meanwhile reloads the list from its start.
        <ReactorList
          key={`${shownWho.emoji} ${shownWho.count}`}
          session={session}
          message={message}
          emoji={shownWho.emoji}
          onClose={() => setWhoOf(null)}
        />
      )}
      {picking && (
        <ReactionPicker
          messageId={message.id}
          onPick={(emoji) => {
            setPicking(false);
            if (!message.reactions.some((reaction) => reaction.emoji === emoji && reaction.me)) onToggle(emoji);
          }}
          onClose={() => setPicking(false)}
        />
      )}
    </div>
  );
}

/** A few reactions to pick at once, and a search box over the others the app knows. */
function ReactionPicker({
  messageId,
  onPick,
  onClose,
}: {
  messageId: string;
  onPick(emoji: string): void;
  onClose(): void;
}) {
  const [query, setQuery] = useState("");
  const found = query.trim() === "" ? DEFAULT_REACTIONS : searchEmoji(query);
  const inputId = `emoji-search-${messageId}`;
  return (
    <fieldset
      class="reaction-picker"
      onKeyDown={(event) => {
        if (event.key === "Escape") onClose();
      }}
    >
      <legend class="visually-hidden">Pick a reaction</legend>
      <label for={inputId} class="visually-hidden">
        Search emoji
      </label>
      <input
        id={inputId}
        type="search"
        placeholder="Search emoji"
        value={query}
        maxLength={40}
        onInput={(event) => setQuery(event.currentTarget.value)}
      />
      <div class="picker-choices">
        {found.map(({ emoji, name }) => (
          <button
            key={emoji}
            type="button"
            class="small"
            title={name}
            aria-label={`React with ${emoji}`}
            onClick={() => onPick(emoji)}
          >
            {emoji}
          </button>
        ))}
        {found.length === 0 && <p class="hint">No emoji found.</p>}
      </div>
    </fieldset>
  );
}
