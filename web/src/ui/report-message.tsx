import type { Message } from "@natter/client";
import { useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { ErrorLine, useFailure } from "../failures/use-failure.js";

const REASONS = [
  ["spam", "Spam"],
  ["abuse", "Abuse"],
  ["other", "Something else"],
] as const;

/**
 * "Report" on someone else's message: a reason and an optional note for the room's
 * moderators, who do not learn who reported (server admins do). Once per message: a second
 * report is refused by natter, and said so here.
 */
export function ReportMessage({ session, message }: { session: ChatSession; message: Message }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState<(typeof REASONS)[number][0]>("spam");
  const [note, setNote] = useState("");
  const [sent, setSent] = useState(false);
  const { error, attempt } = useFailure();
  const prefix = `report-${message.id}`;

  const submit = async (event: Event) => {
    event.preventDefault();
    const ok = await attempt(() =>
      session.client.trpc.reports.create.mutate({
        roomId: message.roomId,
        messageId: message.id,
        reason,
        ...(note.trim() && { note: note.trim() }),
      }),
    );
    if (ok) {
      setSent(true);
      setOpen(false);
    }
  };

  if (sent) {
    return (
      <p class="hint" role="status">
        Reported to the room's moderators.
      </p>
    );
  }
  if (!open) {
    return (
      <button type="button" class="small" onClick={() => setOpen(true)}>
        Report<span class="visually-hidden"> message</span>
      </button>
    );
  }
  return (
    <form class="report-form" onSubmit={submit}>
      <label for={`${prefix}-reason`}>Why report it?</label>
      <select
        id={`${prefix}-reason`}
        value={reason}
        onChange={(event) => setReason(event.currentTarget.value as typeof reason)}
      >
        {REASONS.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      <label for={`${prefix}-note`}>Note for the moderators (optional)</label>
      <input
        id={`${prefix}-note`}
        value={note}
        maxLength={1000}
        onInput={(event) => setNote(event.currentTarget.value)}
      />
      <button type="submit" class="small primary">
        Send report
      </button>
      <button type="button" class="small" onClick={() => setOpen(false)}>
        Cancel
      </button>
      <ErrorLine error={error} />
    </form>
  );
}
