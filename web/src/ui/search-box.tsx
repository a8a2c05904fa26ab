import { useState } from "preact/hooks";
import { navigate } from "../state/router.js";

/** The search field of the top bar: opens the results for what is typed. */
export function SearchBox({ initial }: { initial: string }) {
  const [q, setQ] = useState(initial);
  const submit = (event: Event) => {
    event.preventDefault();
    if (q.trim()) navigate({ screen: "search", q: q.trim() });
  };
  return (
    <search class="search-box">
      <form onSubmit={submit}>
        <label for="search-q" class="visually-hidden">
          Search messages
        </label>
        <input
          id="search-q"
          type="search"
          placeholder='Search: words, "phrase", pre*, -not, from:name, in:room'
          value={q}
          maxLength={4000}
          onInput={(event) => setQ(event.currentTarget.value)}
        />
        <button type="submit">Search</button>
      </form>
    </search>
  );
}
