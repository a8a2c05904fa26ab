import type { ConnectionState } from "@natter/client";
import { type Observable, observable } from "../state/observable.js";

/** What the connection banner says: nothing, "connection lost", or "back online" for a moment. */
export type ConnectionStatus = "online" | "lost" | "back";

const BACK_NOTICE_MS = 5_000;

/**
 * Folds the browser's online state and every room watch's state into one status. Watches
 * resume by themselves; this only tells the person what is going on.
 */
export class ConnectionMonitor {
  readonly status: Observable<ConnectionStatus> = observable<ConnectionStatus>("online");
  #reconnecting = new Set<string>();
  #backTimer: ReturnType<typeof setTimeout> | undefined;
  #onBack: () => void;
  readonly #onNetworkChange = () => this.#recompute();

  constructor(onBack: () => void) {
    this.#onBack = onBack;
    window.addEventListener("online", this.#onNetworkChange);
    window.addEventListener("offline", this.#onNetworkChange);
    this.#recompute();
  }

  report(roomId: string, state: ConnectionState): void {
    if (state === "reconnecting") this.#reconnecting.add(roomId);
    else this.#reconnecting.delete(roomId);
    this.#recompute();
  }

  forget(roomId: string): void {
    this.#reconnecting.delete(roomId);
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
      this.#onBack();
      this.#backTimer = setTimeout(() => this.status.set("online"), BACK_NOTICE_MS);
    }
  }
}
