import { useEffect, useState } from "preact/hooks";
import type { ChatSession } from "../../chat/chat-session.js";
import { ErrorLine, useFailure } from "../../failures/use-failure.js";

/** The lines of a text area that hold something, trimmed. */
function linesOf(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/**
 * The word filter's list for server admins: terms that refuse a text, and terms stored as
 * `***`, one per line. Saving replaces the whole list; natter compares whole words without
 * case or diacritics.
 */
export function BlockedTermsEditor({ session }: { session: ChatSession }) {
  const [reject, setReject] = useState("");
  const [mask, setMask] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  // Editable only once the stored list is shown: text typed before it arrived would be overwritten by it.
  const [loaded, setLoaded] = useState(false);
  const { error, attempt } = useFailure();
  const admin = session.client.trpc.admin;

  const show = (terms: readonly { term: string; mode: "reject" | "mask" }[]) => {
    setReject(
      terms
        .filter((t) => t.mode === "reject")
        .map((t) => t.term)
        .join("\n"),
    );
    setMask(
      terms
        .filter((t) => t.mode === "mask")
        .map((t) => t.term)
        .join("\n"),
    );
  };
  useEffect(() => {
    void attempt(async () => {
      show((await admin.blockedTerms.query()).terms);
      setLoaded(true);
    });
  }, [session]);

  const save = async (event: Event) => {
    event.preventDefault();
    setSaved(null);
    const terms = [
      ...linesOf(reject).map((term) => ({ term, mode: "reject" as const })),
      ...linesOf(mask).map((term) => ({ term, mode: "mask" as const })),
    ];
    await attempt(async () => {
      const next = await admin.setBlockedTerms.mutate({ terms });
      show(next.terms);
      setSaved(`Saved: ${next.terms.length} term${next.terms.length === 1 ? "" : "s"}.`);
    });
  };

  return (
    <section class="admin-section" aria-labelledby="blocked-terms-title">
      <h2 id="blocked-terms-title">Blocked terms</h2>
      <p class="hint">
        Whole words, in any case and with or without accents, in messages, edits, room names, display names and bios.
        Look-alike letters of other scripts count; number substitutions such as “sp4m” do not.
      </p>
      <form class="blocked-terms" onSubmit={save}>
        <label for="blocked-reject">Refused (one per line)</label>
        <textarea
          id="blocked-reject"
          rows={4}
          value={reject}
          disabled={!loaded}
          onInput={(e) => setReject(e.currentTarget.value)}
        />
        <label for="blocked-mask">Shown as *** (one per line)</label>
        <textarea
          id="blocked-mask"
          rows={4}
          value={mask}
          disabled={!loaded}
          onInput={(e) => setMask(e.currentTarget.value)}
        />
        <button type="submit" class="primary" disabled={!loaded}>
          Save the blocked terms
        </button>
      </form>
      {saved && <p role="status">{saved}</p>}
      <ErrorLine error={error} />
    </section>
  );
}
