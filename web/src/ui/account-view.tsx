import { useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { errorText } from "../failures/error-text.js";
import { ErrorLine } from "../failures/use-failure.js";
import { NotificationsControl } from "./notifications-control.js";

/** Notifications in this browser; your data: a copy of everything natter holds about you, and deleting your account. */
export function AccountView({ session }: { session: ChatSession }) {
  return (
    <section class="panel" aria-labelledby="account-title">
      <h1 id="account-title">Your account</h1>
      <NotificationsControl session={session} />
      <DownloadData session={session} />
      <DeleteAccount session={session} />
    </section>
  );
}

/** Saves the export as a file: streamed from natter into a blob, never parsed here. */
function DownloadData({ session }: { session: ChatSession }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      const blob = await new Response(await session.client.exportMyDataStream()).blob();
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `natter-${session.me.username}.json`;
      link.click();
      // The click has handed the blob to the download; the URL is not needed after this turn.
      setTimeout(() => URL.revokeObjectURL(link.href), 0);
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="card stack">
      <h2>Your data</h2>
      <p>
        A file with everything natter holds about you: your profile, sessions, rooms, messages, reactions, uploads (as
        links), reports, blocks and notification devices. One download an hour.
      </p>
      <button type="button" onClick={download} disabled={busy}>
        {busy ? "Preparing…" : "Download my data"}
      </button>
      <ErrorLine error={error} />
    </div>
  );
}

/** Deletes the account once the password is given again; the app is signed out after. */
function DeleteAccount({ session }: { session: ChatSession }) {
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await session.client.deleteAccount(password);
    } catch (failure) {
      setError(errorText(failure));
      setBusy(false);
    }
  };
  return (
    <form class="card stack" onSubmit={submit}>
      <h2>Delete my account</h2>
      <p>
        Your sessions end everywhere; your messages stay as a deleted user's, without their images and (unless this
        server keeps them) their text; your rooms pass to their longest-standing admin or member; your username stays
        reserved for 30 days. This cannot be undone.
      </p>
      <label for="delete-password">Your password</label>
      <input
        id="delete-password"
        type="password"
        autocomplete="current-password"
        required
        value={password}
        onInput={(event) => setPassword(event.currentTarget.value)}
      />
      <button type="submit" class="danger" disabled={busy || password === ""}>
        Delete my account
      </button>
      <ErrorLine error={error} />
    </form>
  );
}
