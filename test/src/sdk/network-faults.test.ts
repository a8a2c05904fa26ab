import { createNatterClient, type Message, type NatterClient, type RoomEvent, type WatchEnd } from "@natter/client";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createRoom, httpClient, signUp, startTestServer, type TestServer } from "../harness/index.js";
import { type FlakyProxy, startFlakyProxy } from "./flaky-proxy.js";

const MESSAGES_PER_CLIENT = 500;
/** Sends each client keeps in flight at once. */
const CONCURRENCY = 4;
/** The chance that any chunk, either way, takes its connection down with it. */
const DROP_CHANCE = 0.02;

describe("@natter/client on a network that drops connections", () => {
  let server: TestServer;
  let proxy: FlakyProxy;
  const clients: NatterClient[] = [];
  const seed = Number(process.env.NATTER_FAULT_SEED ?? Date.now() % 1_000_000);

  beforeAll(async () => {
    // Each client sends hundreds of messages within seconds, far above a person's rate.
    server = await startTestServer({ config: { messageSendRatePerAccount: "100000/1m" } });
    proxy = await startFlakyProxy(server.url, { dropChance: DROP_CHANCE, seed });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await proxy?.close();
    await server?.stop();
  });

  it(`delivers ${2 * MESSAGES_PER_CLIENT} messages between two clients, each exactly once and in seq order`, async () => {
    const users = [await signUp(server.url), await signUp(server.url)] as const;
    const room = await createRoom(server.url, users[0].token, { open: false, memberIds: [users[1].id] });
    const stats = { retries: 0, reconnects: 0 };
    const peers = users.map((user) => {
      const client = createNatterClient({ url: proxy.url, token: user.token });
      clients.push(client);
      const events: RoomEvent[] = [];
      const watch = client.watchRoom(
        room.id,
        {
          onEvent: (event) => events.push(event),
          onStateChange: (state) => {
            if (state === "reconnecting") stats.reconnects += 1;
          },
        },
        { afterSeq: 0 },
      );
      let end: WatchEnd | undefined;
      void watch.ended.then((ended) => {
        end = ended;
      });
      // What a stalled watch had come to, for the failure's message.
      const progress = () => ({
        delivered: events.length,
        lastSeq: watch.lastSeq,
        state: watch.state,
        end: describeEnd(end),
      });
      return { user, client, events, watch, progress };
    });

    proxy.setDropping(true);
    const started = performance.now();
    const sent = await Promise.all(
      peers.map(({ client, user }) =>
        sendMany(client, room.id, user.username, () => {
          stats.retries += 1;
        }),
      ),
    );
    const sentIds = new Set(sent.flat().map((m) => m.id));
    expect(sentIds.size).toBe(2 * MESSAGES_PER_CLIENT);

    for (const { events, progress } of peers) {
      await vi.waitFor(
        () =>
          expect(created(events).length, `seed ${seed}: ${JSON.stringify(progress())}`).toBeGreaterThanOrEqual(
            sentIds.size,
          ),
        { timeout: 60_000, interval: 50 },
      );
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    proxy.setDropping(false);

    for (const { events, watch } of peers) {
      // Every entry of the log from the first, each once, in order.
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      const ids = created(events).map((m) => m.id);
      expect(ids).toHaveLength(sentIds.size);
      expect(new Set(ids)).toEqual(sentIds);
      expect(watch.state).toBe("open");
    }
    // The server holds each message once: no retry created a second one.
    expect(await countMessages(server.url, users[0].token, room.id)).toBe(sentIds.size);
    // The faults did happen: sends were retried and watches resumed.
    expect(stats.retries).toBeGreaterThan(0);
    expect(stats.reconnects).toBeGreaterThan(0);
    console.log(
      `network faults (seed ${seed}): ${sentIds.size} messages, each delivered once in order to both clients; ` +
        `${proxy.drops} of ${proxy.connections} connections cut, ${stats.retries} send retries, ` +
        `${stats.reconnects} watch reconnects, ${seconds} s`,
    );
  }, 120_000);
});

/** Sends `MESSAGES_PER_CLIENT` numbered messages, `CONCURRENCY` at a time; answers them in order. */
async function sendMany(client: NatterClient, roomId: string, prefix: string, onRetry: () => void): Promise<Message[]> {
  const messages: Message[] = [];
  let next = 0;
  const worker = async () => {
    while (next < MESSAGES_PER_CLIENT) {
      const index = next++;
      messages[index] = await client.sendMessage(roomId, `${prefix} #${index}`, { onRetry });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return messages;
}

function created(events: readonly RoomEvent[]): Message[] {
  return events.flatMap((e) => (e.type === "message.created" ? [e.message] : []));
}

/** How many messages the room holds, read page by page straight from the server. */
async function countMessages(url: string, token: string, roomId: string): Promise<number> {
  const trpc = httpClient(url, token);
  let count = 0;
  let after = 0;
  for (;;) {
    const page = await trpc.messages.list.query({ roomId, after, limit: 200 });
    count += page.messages.length;
    after = page.messages.at(-1)?.seq ?? after;
    if (!page.hasMore) return count;
  }
}

/** A watch's end as text: its reason, and the error's code and message when it failed. */
function describeEnd(end: WatchEnd | undefined): string | undefined {
  if (end?.reason !== "error") return end?.reason;
  const { error } = end;
  const code = (error as { data?: { code?: string } }).data?.code;
  return `error ${code ?? ""} ${error instanceof Error ? error.message : String(error)}`;
}
