import { useState } from "preact/hooks";

/**
 * A secret natter shows only in the answer that made it (a webhook's signing secret, an API
 * key, an incoming webhook's URL): in a read-only field to select, with a copy button.
 */
export function ShownOnce({ label, value, onDone }: { label: string; value: string; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = () =>
    navigator.clipboard.writeText(value).then(
      () => setCopied("Copied."),
      () => setCopied("Copying was refused: select the text and copy it."),
    );
  return (
    <div class="shown-once">
      <label>
        {label} (shown only now)
        <input type="text" readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
      </label>
      <button type="button" class="small" onClick={() => void copy()}>
        Copy
      </button>
      <button type="button" class="small" onClick={onDone}>
        Done
      </button>
      {copied && <span role="status">{copied}</span>}
    </div>
  );
}
