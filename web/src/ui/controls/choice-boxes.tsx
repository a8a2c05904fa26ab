import type { ComponentChildren } from "preact";

/**
 * A fieldset of checkboxes, one per choice, for picking a set (a webhook's events, an API
 * key's scopes); `onChange` receives the new set.
 */
export function ChoiceBoxes<T extends string>({
  legend,
  choices,
  label,
  chosen,
  onChange,
}: {
  legend: string;
  choices: readonly T[];
  label: (choice: T) => ComponentChildren;
  chosen: ReadonlySet<T>;
  onChange: (next: ReadonlySet<T>) => void;
}) {
  const toggle = (choice: T, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(choice);
    else next.delete(choice);
    onChange(next);
  };
  return (
    <fieldset class="choices">
      <legend>{legend}</legend>
      {choices.map((choice) => (
        <label key={choice}>
          <input
            type="checkbox"
            checked={chosen.has(choice)}
            onChange={(e) => toggle(choice, e.currentTarget.checked)}
          />{" "}
          {label(choice)}
        </label>
      ))}
    </fieldset>
  );
}
