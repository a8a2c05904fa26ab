import type { NatterClient, RouterOutputs } from "@natter/client";
import { useEffect, useState } from "preact/hooks";
import { ErrorLine, useFailure } from "../failures/use-failure.js";

/** A user as a search finds them. */
export type FoundUser = RouterOutputs["users"]["find"]["users"][number];

/** How many name suggestions the picker offers as one types. */
const SUGGESTIONS = 8;

/**
 * Finds a person by username: suggestions as one types (names starting with the text),
 * then the exact name on "Add". `onPick` receives the user found.
 */
export function MemberPicker({
  client,
  id,
  label,
  onPick,
}: {
  client: NatterClient;
  id: string;
  label: string;
  onPick(user: FoundUser): Promise<unknown> | undefined;
}) {
  const [text, setText] = useState("");
  const [suggestions, setSuggestions] = useState<readonly FoundUser[]>([]);
  const { error, attempt, setError } = useFailure();

  useEffect(() => {
    const q = text.trim();
    if (!q) return setSuggestions([]);
    let current = true;
    const timer = setTimeout(() => {
      client.trpc.users.find.query({ q, limit: SUGGESTIONS }).then(
        ({ users }) => current && setSuggestions(users),
        () => current && setSuggestions([]),
      );
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, text]);

  const add = async () => {
    const username = text.trim();
    if (!username) return;
    let found: FoundUser | undefined;
    const done = await attempt(async () => {
      found = (await client.trpc.users.find.query({ username, limit: 1 })).users[0];
      if (found) await onPick(found);
    });
    if (done && !found) setError(`Nobody is called ${username}.`);
    else if (done) setText("");
  };

  return (
    <div class="member-picker">
      <label for={id}>{label}</label>
      <div class="inline-form">
        <input
          id={id}
          list={`${id}-suggestions`}
          autocomplete="off"
          maxLength={64}
          value={text}
          onInput={(event) => setText(event.currentTarget.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter") {
              event.preventDefault();
              void add();
            }
          }}
        />
        <button type="button" onClick={add}>
          Add
        </button>
      </div>
      <datalist id={`${id}-suggestions`}>
        {suggestions.map((user) => (
          <option key={user.id} value={user.username}>
            {user.displayName ?? user.username}
          </option>
        ))}
      </datalist>
      <ErrorLine error={error} />
    </div>
  );
}
