import type { ConnectionMonitor } from "../chat/connection-monitor.js";
import { useObservable } from "../state/observable.js";

/** Says when the connection is lost and when it is back; live updates resume by themselves. */
export function ConnectionBanner({ monitor, waiting }: { monitor: ConnectionMonitor; waiting: number }) {
  const status = useObservable(monitor.status);
  return (
    <div class="banner-slot" role="status" aria-live="polite">
      {status === "lost" && (
        <p class="banner banner-lost">
          Connection lost. Reconnecting…
          {waiting > 0 && ` ${waiting} message${waiting === 1 ? "" : "s"} will be sent when it is back.`}
        </p>
      )}
      {status === "back" && <p class="banner banner-back">Connection is back.</p>}
    </div>
  );
}
