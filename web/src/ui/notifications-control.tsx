import { useEffect, useState } from "preact/hooks";
import type { ChatSession } from "../chat/chat-session.js";
import { errorText } from "../failures/error-text.js";
import { ErrorLine } from "../failures/use-failure.js";
import { type PushState, pushState, turnPushOff, turnPushOn } from "../push/push-notifications.js";

const STATE_TEXT: Record<PushState, string> = {
  unsupported: "This browser cannot show natter's notifications.",
  denied: "Notifications are blocked for natter in this browser's settings.",
  off: "Notifications are off in this browser.",
  on: "Notifications are on in this browser.",
};

/**
 * Notifications when away: while you have natter open nowhere, a mention of you or a direct
 * message to you is shown by this browser. The permission is asked only when the button is
 * pressed.
 */
export function NotificationsControl({ session }: { session: ChatSession }) {
  const [state, setState] = useState<PushState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    pushState(session.client).then(
      (found) => live && setState(found),
      (failure) => live && setError(errorText(failure)),
    );
    return () => {
      live = false;
    };
  }, [session]);

  const change = async (turn: typeof turnPushOn) => {
    setBusy(true);
    setError(null);
    try {
      setState(await turn(session.client));
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="card stack">
      <h2>Notifications</h2>
      <p>
        When natter is not open anywhere, this browser can tell you that someone mentioned you or sent you a direct
        message.
      </p>
      <p role="status">{state === null ? "Checking…" : STATE_TEXT[state]}</p>
      {state === "off" && (
        <button type="button" onClick={() => change(turnPushOn)} disabled={busy}>
          Turn on notifications
        </button>
      )}
      {state === "on" && (
        <button type="button" onClick={() => change(turnPushOff)} disabled={busy}>
          Turn off notifications
        </button>
      )}
      <ErrorLine error={error} />
    </div>
  );
}
