import { isNatterError, isNetworkFailure, type Message, newClientMessageId } from "@natter/client";
import { type Observable, observable } from "../state/observable.js";

/** A message written but not yet confirmed by the server. */
export interface QueuedMessage {
  /** Sent with every attempt: the server creates the message once however often it is retried. */
  clientMessageId: string;
  roomId: string;
  body: string;
  /** Uploads sent with it (uploaded before it was queued). */
  attachmentIds?: readonly string[];
  /** The room's newest seq known when it was written: the confirmed message comes after it. */
  afterSeq: number;
  /** natter refused it (the reason), so it is not retried; the author may discard it. */
  refused?: string;
}

export interface SendQueueOptions {
  /** localStorage key the queue is kept under, so a reload while offline loses nothing. */
  storageKey: string;
  send(item: QueuedMessage): Promise<Message>;
  onSent(item: QueuedMessage, message: Message): void;
  /** natter refused it for good (not a network failure): what the app may learn from why. */
  onRefused?(item: QueuedMessage, error: unknown): void;
}

const RETRY_AFTER_MS = 3_000;

/**
 * The outbox: messages are sent one at a time in the order written. While the network is
 * down they wait (and survive a reload); when it is back they go out with the same
 * `clientMessageId` as any earlier attempt, so each is created exactly once.
 */
export class SendQueue {
  readonly items: Observable<readonly QueuedMessage[]>;
  #options: SendQueueOptions;
  #running = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  readonly #onOnline = () => this.flush();

  constructor(options: SendQueueOptions) {
    this.#options = options;
    this.items = observable<readonly QueuedMessage[]>(readStored(options.storageKey));
    this.items.subscribe((items) => {
      if (items.length === 0) localStorage.removeItem(options.storageKey);
      else localStorage.setItem(options.storageKey, JSON.stringify(items));
    });
    window.addEventListener("online", this.#onOnline);
  }

  enqueue(roomId: string, body: string, afterSeq: number, attachmentIds: readonly string[] = []): void {
    const item: QueuedMessage = { clientMessageId: newClientMessageId(), roomId, body, afterSeq };
    if (attachmentIds.length > 0) item.attachmentIds = attachmentIds;
    this.items.update((items) => [...items, item]);
    this.flush();
  }

  /** Drops a message natter refused. */
  discard(clientMessageId: string): void {
    this.items.update((items) => items.filter((item) => item.clientMessageId !== clientMessageId));
  }

  /** Sends what waits, in order; a network failure pauses until the network is back or a while has passed. */
  flush(): void {
    if (this.#running || this.#stopped) return;
    clearTimeout(this.#retryTimer);
    this.#running = true;
    void this.#drain().finally(() => {
      this.#running = false;
    });
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    window.removeEventListener("online", this.#onOnline);
  }

  async #drain(): Promise<void> {
    for (;;) {
      const next = this.items.get().find((item) => item.refused === undefined);
      if (!next || this.#stopped) return;
      if (!navigator.onLine) return; // the "online" event flushes again
      try {
        const message = await this.#options.send(next);
        this.items.update((items) => items.filter((item) => item.clientMessageId !== next.clientMessageId));
        this.#options.onSent(next, message);
      } catch (error) {
        if (isNetworkFailure(error)) {
          this.#retryTimer = setTimeout(() => this.flush(), RETRY_AFTER_MS);
          return;
        }
        const reason = isNatterError(error) ? error.data.error.message : "could not be sent";
        this.items.update((items) =>
          items.map((item) => (item.clientMessageId === next.clientMessageId ? { ...item, refused: reason } : item)),
        );
        this.#options.onRefused?.(next, error);
      }
    }
  }
}

function readStored(key: string): QueuedMessage[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(key) ?? "[]");
    return Array.isArray(parsed) ? (parsed as QueuedMessage[]) : [];
  } catch {
    return [];
  }
}
