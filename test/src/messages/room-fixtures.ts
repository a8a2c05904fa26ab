import type { Message, RoomEvent } from "@natter/shared";
import { createRoom, rest, type TestUser, type wsClient } from "../harness/index.js";

/** Creates a room owned by `owner` with `members` in it at once; answers its id. */
export async function newRoom(
  url: string,
  owner: TestUser,
  { open = true, members = [] }: { open?: boolean; members?: TestUser[] } = {},
): Promise<string> {
  return (await createRoom(url, owner.token, { open, memberIds: members.map((m) => m.id) })).id;
}

/** Sends a message through REST and answers it; throws unless it was created. */
export async function send(url: string, user: TestUser, roomId: string, body: string): Promise<Message> {
  const res = await rest(url, "POST", `/rooms/${roomId}/messages`, { token: user.token, body: { body } });
  if (res.status !== 201) throw new Error(`send failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.message;
}

/** A room's whole history, oldest first, read page by page. */
export async function wholeHistory(url: string, user: TestUser, roomId: string): Promise<Message[]> {
  const messages: Message[] = [];
  let after = 0;
  for (;;) {
    const page = await rest(url, "GET", `/rooms/${roomId}/messages?after=${after}&limit=200`, { token: user.token });
    if (page.status !== 200) throw new Error(`history failed: ${page.status} ${JSON.stringify(page.body)}`);
    messages.push(...page.body.messages);
    if (!page.body.hasMore) return messages;
    after = page.body.messages.at(-1).seq;
  }
}

/** A live `rooms.events` subscription that records what it receives. */
export interface RoomWatch {
  /** Every event received, in arrival order. */
  events: RoomEvent[];
  /** The `tracked` id of each event, in arrival order. */
  ids: string[];
  /** Set once the server ended the stream. */
  ended: boolean;
  /** The error that ended the stream, if one did. */
  error: unknown;
  /** Waits until `done(events)` holds, or fails naming `what` after a generous deadline. */
  until(what: string, done: (events: RoomEvent[]) => boolean): Promise<void>;
  stop(): void;
}

type Client = ReturnType<typeof wsClient>["client"];

/** Subscribes to a room's events over an open WebSocket client. */
export function watchRoom(client: Client, roomId: string, lastEventId?: string): RoomWatch {
  const watch: RoomWatch = {
    events: [],
    ids: [],
    ended: false,
    error: undefined,
    until: (what, done) => waitFor(what, () => done(watch.events) || watch.ended || watch.error !== undefined),
    stop: () => subscription.unsubscribe(),
  };
  const subscription = client.rooms.events.subscribe(
    { roomId, ...(lastEventId !== undefined && { lastEventId }) },
    {
      onData: (tracked) => {
        watch.ids.push(tracked.id);
        watch.events.push(tracked.data);
      },
      onError: (error) => {
        watch.error = error;
      },
      onComplete: () => {
        watch.ended = true;
      },
    },
  );
  return watch;
}

/**
 * Polls `condition` (a check here, or a question to a server such as Redis) until it holds; a
 * deadline turns a hang into a failure that says what it waited for.
 */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  deadlineMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Waits until a watcher that started live hears something: the server starts listening a
 * moment after the subscription is acknowledged, so `probe` is repeated until one arrives.
 */
export async function probeUntilHeard(watch: RoomWatch, probe: () => Promise<unknown>): Promise<void> {
  const probes: Array<Promise<unknown>> = [];
  await waitFor("a live event", () => {
    if (watch.events.length === 0 && probes.length < 500) probes.push(probe());
    return watch.events.length > 0;
  });
  await Promise.all(probes);
}

/** The messages created in a list of events, in order. */
export function createdMessages(events: readonly RoomEvent[]): Message[] {
  return events.flatMap((event) => (event.type === "message.created" ? [event.message] : []));
}
