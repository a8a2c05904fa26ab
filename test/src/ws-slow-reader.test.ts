import { LIMITS, type RoomEvent, WS_CLOSE_CODES } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, openRawSocket, signUp, startTestServer, type TestServer, wsClient } from "./harness/index.js";
import { send, waitFor, watchRoom } from "./messages/room-fixtures.js";

const CAP = 256 * 1024;
/** Subscriptions the reader holds on its one socket: each message reaches it this many times. */
const SUBSCRIPTIONS = 10;
/** A bound on the sends, so a reader that is never dropped fails the test instead of hanging it. */
const MAX_SENDS = 3000;

describe("a WebSocket reader that stops reading", () => {
  let server: TestServer;
  beforeAll(async () => {
    // One user sends until the reader is dropped: hundreds of messages, far above a person's rate.
    server = await startTestServer({
      config: { wsMaxBufferedBytes: CAP, wsPingMs: 600_000, messageSendRatePerAccount: "100000/1m" },
    });
  });
  afterAll(() => server.stop());

  it("is dropped once its unsent data passes the cap, keeps server memory bounded, and resumes without gaps", async () => {
    const alice = await signUp(server.url);
    const { id: roomId } = await createRoom(server.url, alice.token, { open: true });
    const body = "x".repeat(LIMITS.messageBodyMax);

    const reader = await openRawSocket(server.url);
    for (let id = 1; id <= SUBSCRIPTIONS; id += 1) reader.call(id, "subscription", "rooms.events", { roomId });
    await waitFor(
      "every subscription to start",
      () => reader.messages.filter((m) => m.includes('"started"')).length === SUBSCRIPTIONS,
    );
    // A first message proves the subscriptions are live before the reader stops reading.
    const first = await send(server.url, alice, roomId, "hello");
    await reader.next((message) => message.includes(first.id));
    reader.ws.pause();

    let sent = 1;
    while (server.webSocketStats().slowReadersDropped === 0) {
      if (sent === MAX_SENDS) throw new Error(`the reader was not dropped after ${sent} messages`);
      await send(server.url, alice, roomId, body);
      sent += 1;
    }
    const peakAtDrop = server.webSocketStats().maxBufferedBytes;
    expect(peakAtDrop).toBeGreaterThan(CAP);
    expect(peakAtDrop).toBeLessThanOrEqual(CAP + LIMITS.maxWebSocketMessageBytes);

    // Publishing goes on; the dropped reader's buffer does not grow.
    for (let i = 0; i < 50; i += 1) await send(server.url, alice, roomId, body);
    sent += 50;
    expect(server.webSocketStats().maxBufferedBytes).toBe(peakAtDrop);

    // Reading again, the reader gets what was sent before the drop, then the close code.
    reader.ws.resume();
    expect((await reader.closed).code).toBe(WS_CLOSE_CODES.slowReader);
    const received = reader.messages
      .filter((message) => message.startsWith("{"))
      .map((message) => JSON.parse(message))
      .filter((message) => message.id === 1 && message.result?.type === "data")
      .map((message) => message.result.data.data as RoomEvent);
    const seqs = received.map((event) => event.seq);
    expect(seqs.length).toBeGreaterThan(0);
    expect(seqs).toEqual(seqs.map((_, i) => (seqs[0] ?? 0) + i));

    // It resumes from the last event it read and gets exactly the rest.
    const lastRead = seqs.at(-1) ?? 0;
    const client = wsClient(server.url);
    const resumed = watchRoom(client.client, roomId, String(lastRead));
    const created = (events: RoomEvent[]) => events.filter((event) => event.type === "message.created").length;
    const missed = sent - created(received);
    await resumed.until(`${missed} missed messages`, (events) => created(events) >= missed);
    expect(resumed.events.map((event) => event.seq)).toEqual(resumed.events.map((_, i) => lastRead + 1 + i));
    expect(created(resumed.events)).toBe(missed);
    client.close();
  });
});
