import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@natter/db";
import { createTRPCClient, httpSubscriptionLink } from "@trpc/client";
import { EventSource } from "eventsource";
import type { AppRouter } from "natter";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  rest,
  signUp,
  startTestServer,
  type TestServer,
  type TestUser,
  wsClient,
} from "../harness/index.js";
import { streamPath } from "../sse/event-stream-fixtures.js";

/** The backlog of issue 26: SSE catch-up on SQLite was cut after 511 events of a longer one. */
const BACKLOG = 30_000;
const ROWS_PER_INSERT = 500;

/**
 * A reader that reconnects from the start of a long room log gets the whole backlog on one
 * connection, over each live transport: the replay waits for the connection to drain rather
 * than queueing the log into the socket's buffer until the reader counts as too slow.
 */
describe(`catching up on a backlog of ${BACKLOG.toLocaleString("en")} events`, () => {
  let dir: string;
  let server: TestServer;
  let owner: TestUser;
  let roomId: string;
  let lastSeq: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "natter-backlog-"));
    server = await startTestServer({ dir, config: { rateLimits: "off" } });
    owner = await signUp(server.url);
    roomId = (await createRoom(server.url, owner.token)).id;
    lastSeq = await seedBacklog();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Fills the room's log: one rename through the API, then copies of its event under the next
   * seqs, written straight to the log (sending 30,000 messages would take minutes). Answers the
   * last seq.
   */
  async function seedBacklog(): Promise<number> {
    const renamed = await rest(server.url, "PATCH", `/rooms/${roomId}`, {
      token: owner.token,
      body: { name: "a long log" },
    });
    expect(renamed.status).toBe(200);
    const { db, close } = openDatabase(server.databaseUrl, { poolSize: 1 });
    try {
      const template = await db
        .selectFrom("room_events")
        .selectAll()
        .where("room_id", "=", roomId)
        .orderBy("seq", "desc")
        .limit(1)
        .executeTakeFirstOrThrow();
      const event = JSON.parse(template.payload) as { seq: number };
      const first = template.seq + 1;
      const last = template.seq + BACKLOG - 1;
      await db.transaction().execute(async (trx) => {
        for (let from = first; from <= last; from += ROWS_PER_INSERT) {
          const rows = [];
          for (let seq = from; seq <= Math.min(last, from + ROWS_PER_INSERT - 1); seq += 1)
            rows.push({ ...template, seq, payload: JSON.stringify({ ...event, seq }) });
          await trx.insertInto("room_events").values(rows).execute();
        }
        await trx.updateTable("rooms").set({ last_seq: last }).where("id", "=", roomId).execute();
      });
      return last;
    } finally {
      await close();
    }
  }

  it("over the REST event stream (SSE), from Last-Event-ID 0, on one connection", async () => {
    const answer = await fetch(`${server.url}${streamPath(roomId)}`, {
      headers: { accept: "text/event-stream", authorization: `Bearer ${owner.token}`, "last-event-id": "0" },
    });
    expect(answer.status).toBe(200);
    const reader = (answer.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let tail = "";
    let received = 0;
    let lastId = 0;
    let ended = false;
    while (lastId < lastSeq) {
      const chunk = await reader.read();
      if (chunk.done) {
        ended = true;
        break;
      }
      tail += decoder.decode(chunk.value, { stream: true });
      const frames = tail.split("\n\n");
      tail = frames.pop() ?? "";
      for (const frame of frames) {
        const id = /^id: (\d+)$/m.exec(frame)?.[1];
        if (id === undefined) continue;
        received += 1;
        expect(Number(id)).toBe(lastId + 1);
        lastId = Number(id);
      }
    }
    await reader.cancel();
    console.log(`SSE catch-up: ${received} of ${lastSeq} events on one connection`);
    expect({ received, ended }).toEqual({ received: lastSeq, ended: false });
  }, 120_000);

  /**
   * Subscribes to `rooms.events` from the start of the log and counts what arrives until the
   * whole backlog has, or the connection was cut (`closes()` above 0; the client would then
   * reconnect and resume, which is what must not be needed).
   */
  async function catchUpOverTrpc(
    client: ReturnType<typeof createTRPCClient<AppRouter>>,
    closes: () => number,
  ): Promise<{ received: number; outOfOrder: number }> {
    let received = 0;
    let lastId = 0;
    let outOfOrder = 0;
    let done!: () => void;
    const caughtUp = new Promise<void>((resolve) => {
      done = resolve;
    });
    const subscription = client.rooms.events.subscribe(
      { roomId, lastEventId: "0" },
      {
        onData: ({ id }) => {
          received += 1;
          if (Number(id) !== lastId + 1) outOfOrder += 1;
          lastId = Number(id);
          if (lastId >= lastSeq) done();
        },
      },
    );
    const poll = setInterval(() => {
      if (closes() > 0) done();
    }, 10);
    await caughtUp;
    clearInterval(poll);
    subscription.unsubscribe();
    return { received, outOfOrder };
  }

  it("over tRPC's Server-Sent Events (httpSubscriptionLink), from lastEventId 0, on one connection", async () => {
    let connections = 0;
    const authorized: typeof fetch = (input, init) => {
      connections += 1;
      return fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${owner.token}` } });
    };
    const client = createTRPCClient<AppRouter>({
      links: [
        httpSubscriptionLink<AppRouter, typeof EventSource>({
          url: `${server.url}/trpc`,
          EventSource,
          eventSourceOptions: () => ({ fetch: authorized }),
        }),
      ],
    });
    const { received, outOfOrder } = await catchUpOverTrpc(client, () => connections - 1);
    console.log(`tRPC SSE catch-up: ${received} of ${lastSeq} events on ${connections} connection(s)`);
    expect({ received, outOfOrder, connections }).toEqual({ received: lastSeq, outOfOrder: 0, connections: 1 });
  }, 120_000);

  it("over a WebSocket subscription (rooms.events), from lastEventId 0, with no reconnection", async () => {
    let closes = 0;
    const client = wsClient(server.url, {
      token: owner.token,
      onClose: () => {
        closes += 1;
      },
    });
    try {
      const { received, outOfOrder } = await catchUpOverTrpc(client.client, () => closes);
      console.log(`WebSocket catch-up: ${received} of ${lastSeq} events before the first close (${closes} closes)`);
      expect({ received, outOfOrder, closes }).toEqual({ received: lastSeq, outOfOrder: 0, closes: 0 });
    } finally {
      client.close();
    }
  }, 120_000);
});
