import { navigate } from "../state/router.js";
import { SearchForm } from "./search-form.js";

/** The search field of the top bar: opens the results for what is typed. */
export function SearchBox({ initial }: { initial: string }) {
  return (
    <search class="search-box">
      <SearchForm
        id="search-q"
        label="Search messages"
        placeholder='Search: words, "phrase", pre*, -not, from:name, in:room'
        initial={initial}
        button={<button type="submit">Search</button>}
        onSearch={(q) => navigate({ screen: "search", q })}
      />
    </search>
  );
}
