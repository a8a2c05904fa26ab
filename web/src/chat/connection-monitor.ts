import type { ConnectionState } from "@natter/client";
import { type Observable, observable } from "../state/observable.js";

/** What the connection banner says: nothing, "connection lost", or "back online" for a moment. */
export type ConnectionStatus = "online" | "lost" | "back";

const BACK_NOTICE_MS = 5_000;

/**
 * Folds the browser's online state and every watch's state (the inbox's and the open room's)
 * into one status. Watches resume by themselves; this only tells the person what is going on.
 */
export class ConnectionMonitor {
  readonly status: Observable<ConnectionStatus> = observable<ConnectionStatus>("online");
  #reconnecting = new Set<string>();
  #backTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #onNetworkChange = () => this.#recompute();

  constructor() {
    window.addEventListener("online", this.#onNetworkChange);
    window.addEventListener("offline", this.#onNetworkChange);
    this.#recompute();
  }

  /** A watch's new state; `watchId` names the watch (a room id, or the inbox's name). */
  report(watchId: string, state: ConnectionState): void {
    if (state === "reconnecting") this.#reconnecting.add(watchId);
    else this.#reconnecting.delete(watchId);
    this.#recompute();
  }

  /** A watch that ended. */
  forget(watchId: string): void {
    this.#reconnecting.delete(watchId);
    this.#recompute();
  }

  stop(): void {
    clearTimeout(this.#backTimer);
    window.removeEventListener("online", this.#onNetworkChange);
    window.removeEventListener("offline", this.#onNetworkChange);
  }

  #recompute(): void {
    const lost = !navigator.onLine || this.#reconnecting.size > 0;
    const current = this.status.get();
    if (lost) {
      clearTimeout(this.#backTimer);
      this.status.set("lost");
    } else if (current === "lost") {
      this.status.set("back");
      this.#backTimer = setTimeout(() => this.status.set("online"), BACK_NOTICE_MS);
    }
  }
}
