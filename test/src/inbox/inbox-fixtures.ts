import type { InboxEvent } from "@natter/shared";
import type { wsClient } from "../harness/index.js";
import { waitFor } from "../messages/room-fixtures.js";

/** A live `users.events` subscription that records what it receives. */
export interface InboxWatch {
  /** Every entry received, in arrival order. */
  events: InboxEvent[];
  /** The `tracked` id of each entry, in arrival order. */
  ids: string[];
  /** The error that ended the stream, if one did. */
  error: unknown;
  /** Waits until `done(events)` holds (or the stream failed), naming `what` after a generous deadline. */
  until(what: string, done: (events: InboxEvent[]) => boolean): Promise<void>;
  stop(): void;
}

type Client = ReturnType<typeof wsClient>["client"];

/** Subscribes to the signed-in user's inbox over an open WebSocket client. */
export function watchInbox(client: Client, lastEventId?: string): InboxWatch {
  const watch: InboxWatch = {
    events: [],
    ids: [],
    error: undefined,
    until: (what, done) => waitFor(what, () => done(watch.events) || watch.error !== undefined),
    stop: () => subscription.unsubscribe(),
  };
  const subscription = client.users.events.subscribe(lastEventId === undefined ? {} : { lastEventId }, {
    onData: (tracked) => {
      watch.ids.push(tracked.id);
      watch.events.push(tracked.data);
    },
    onError: (error) => {
      watch.error = error;
    },
  });
  return watch;
}

/** The entries' types with the room they concern, in order: what a test compares. */
export function kindsOf(events: readonly InboxEvent[]): string[] {
  return events.map((event) => event.type);
}

/** Whether the seqs run 1, 2, 3… from `first` with no gap or repeat. */
export function gapless(events: readonly InboxEvent[], first = 1): boolean {
  return events.every((event, index) => event.seq === first + index);
}
