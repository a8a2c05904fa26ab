import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";

interface SearchFormProps {
  /** The input's element id. */
  id: string;
  /** The input's label, read by assistive technology. */
  label: string;
  placeholder: string;
  /** What the field starts with. */
  initial?: string;
  /** The search button's content. */
  button: ComponentChildren;
  /** Called with what was typed, trimmed, when it is not empty. */
  onSearch(q: string): void;
}

/** A field for a message search and its button: the top bar's and a thread panel's. */
export function SearchForm({ id, label, placeholder, initial = "", button, onSearch }: SearchFormProps) {
  const [q, setQ] = useState(initial);
  const submit = (event: Event) => {
    event.preventDefault();
    if (q.trim()) onSearch(q.trim());
  };
  return (
    <form onSubmit={submit}>
      <label for={id} class="visually-hidden">
        {label}
      </label>
      <input
        id={id}
        type="search"
        placeholder={placeholder}
        value={q}
        maxLength={4000}
        onInput={(event) => setQ(event.currentTarget.value)}
      />
      {button}
    </form>
  );
}
