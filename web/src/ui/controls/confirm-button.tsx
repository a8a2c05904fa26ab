import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";

/**
 * A destructive action asked twice: `Delete…` first, then the question with `yes` and Cancel.
 * `what` names the target for screen readers on the first button.
 */
export function ConfirmButton({
  label,
  what,
  question,
  yes,
  onYes,
}: {
  label: string;
  what: string;
  question?: ComponentChildren;
  yes: string;
  onYes: () => unknown;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" class="small danger" onClick={() => setAsking(true)}>
        {label}…<span class="visually-hidden"> {what}</span>
      </button>
    );
  }
  return (
    <>
      {question && <span class="confirm-question">{question}</span>}
      <button
        type="button"
        class="small danger"
        onClick={async () => {
          await onYes();
          setAsking(false);
        }}
      >
        {yes}
      </button>
      <button type="button" class="small" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </>
  );
}
