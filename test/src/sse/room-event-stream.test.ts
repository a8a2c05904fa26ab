import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@natter/db";
import { LIMITS, type RoomEvent } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  createTestDatabase,
  ManualClock,
  rawHttp,
  rest,
  signUp,
  startTestServer,
  type TestServer,
  type TestUser,
  wsClient,
} from "../harness/index.js";
import { createdMessages, newRoom, probeUntilHeard, send, waitFor, watchRoom } from "../messages/room-fixtures.js";
import {
  askTicket,
  openStream,
  refusalOf,
  roomEventsOf,
  streamPath,
  watchWithEventSource,
} from "./event-stream-fixtures.js";

const HEARTBEAT_MS = 200;

/** Whether seqs run one by one with no gap and no repeat. */
function consecutive(events: readonly RoomEvent[]): boolean {
  return events.every((event, i) => i === 0 || event.seq === (events[i - 1]?.seq ?? 0) + 1);
}

describe("a room's event stream (Server-Sent Events)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { eventStreamHeartbeatMs: HEARTBEAT_MS } });
  });
  afterAll(() => server.stop());

  it("streams every event once, in order, as id/event/data, to EventSource and to raw HTTP alike", async () => {
    const owner = await signUp(server.url);
    const roomId = await newRoom(server.url, owner);
    const raw = await openStream(server.url, roomId);
    expect(raw.status).toBe(200);
    expect(raw.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(raw.headers["cache-control"]).toBe("no-store");
    const source = watchWithEventSource(`${server.url}${streamPath(roomId)}`, owner.token);
    await waitFor("the EventSource to open", () => source.opens === 1);
    const before = server.eventStreamStats().deliveries;

    const sent = [];
    for (let i = 0; i < 10; i += 1) sent.push(await send(server.url, owner, roomId, `message ${i}`));
    await waitFor("every event on the raw stream", () => raw.events.length === 10);
    await source.until("every event on the EventSource", (events) => events.length === 10);

    const events = roomEventsOf(raw.events);
    expect(consecutive(events)).toBe(true);
    expect(createdMessages(events).map((m) => m.id)).toEqual(sent.map((m) => m.id));
    expect(source.events).toEqual(events);
    expect(source.ids).toEqual(events.map((event) => String(event.seq)));
    expect(server.eventStreamStats().deliveries - before).toBe(20);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^natter_sse_streams 2$/m);
    expect(Number(/^natter_sse_deliveries_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(20);
    raw.close();
    source.close();
    await waitFor("both streams to be let go", () => server.eventStreamStats().open === 0);
  });

  it("resumes after Last-Event-ID or ?lastEventId=, the header winning, and refuses a position never reached", async () => {
    const owner = await signUp(server.url);
    const roomId = await newRoom(server.url, owner);
    const sent = [];
    for (let i = 0; i < 5; i += 1) sent.push(await send(server.url, owner, roomId, `m${i}`));
    const seqs = sent.map((m) => m.seq);

    const fromQuery = await openStream(server.url, roomId, {
      token: owner.token,
      query: { lastEventId: String(seqs[1]) },
    });
    await waitFor("the replay", () => fromQuery.events.length === 3);
    expect(roomEventsOf(fromQuery.events).map((e) => e.seq)).toEqual(seqs.slice(2));

    const fromHeader = await openStream(server.url, roomId, {
      query: { lastEventId: String(seqs[0]) },
      headers: { "Last-Event-ID": String(seqs[3]) },
    });
    await waitFor("the replay", () => fromHeader.events.length === 1);
    const next = await send(server.url, owner, roomId, "live");
    await waitFor("the live event after the replay", () => fromHeader.events.length === 2);
    expect(roomEventsOf(fromHeader.events).map((e) => e.seq)).toEqual([seqs[4], next.seq]);
    await waitFor("the live event on the other stream too", () => fromQuery.events.length === 4);
    fromQuery.close();
    fromHeader.close();

    const past = await openStream(server.url, roomId, { query: { lastEventId: String(next.seq + 1) } });
    expect(past.status).toBe(400);
    expect(await refusalOf(past)).toBe("VALIDATION_FAILED");
    const garbage = await openStream(server.url, roomId, { headers: { "Last-Event-ID": "seven" } });
    expect(garbage.status).toBe(400);
    expect(await refusalOf(garbage)).toBe("VALIDATION_FAILED");
  });

  it("sends a comment heartbeat while nothing happens", async () => {
    const owner = await signUp(server.url);
    const roomId = await newRoom(server.url, owner);
    const stream = await openStream(server.url, roomId);
    await waitFor("two heartbeats", () => stream.comments.filter((c) => c === "heartbeat").length >= 2);
    expect(stream.events).toEqual([]);
    expect(stream.ended).toBe(false);
    stream.close();
  });

  it("lets anyone watch an open room, and a closed one only its members: to others it does not exist", async () => {
    const [owner, member, stranger] = await Promise.all([signUp(server.url), signUp(server.url), signUp(server.url)]);
    const closedId = await newRoom(server.url, owner, { open: false, members: [member] });
    for (const [token, status] of [
      [undefined, 404],
      [stranger.token, 404],
      [member.token, 200],
    ] as const) {
      const stream = await openStream(server.url, closedId, token ? { token } : {});
      expect(stream.status).toBe(status);
      if (status === 404) expect(await refusalOf(stream)).toBe("ROOM_NOT_FOUND");
      stream.close();
    }
    const missing = await openStream(server.url, "no-such-room");
    expect(await refusalOf(missing)).toBe("ROOM_NOT_FOUND");
    const post = await rest(server.url, "POST", `/rooms/${closedId}/events`, { token: member.token });
    expect(post.status).toBe(405);
    // HEAD answers what GET would, without a body, and lets go.
    const head = await rawHttp(server.url, "HEAD", streamPath(closedId), {
      headers: { Authorization: `Bearer ${member.token}` },
    });
    expect([head.status, head.headers["content-type"], head.body]).toEqual([
      200,
      "text/event-stream; charset=utf-8",
      "",
    ]);
    expect((await rawHttp(server.url, "HEAD", streamPath(closedId))).status).toBe(404);
  });

  describe("ends as rooms.events does, and reconnecting says why", () => {
    let owner: TestUser;
    let member: TestUser;
    beforeAll(async () => {
      [owner, member] = await Promise.all([signUp(server.url), signUp(server.url)]);
    });

    it("when the caller is kicked", async () => {
      const roomId = await newRoom(server.url, owner, { open: false, members: [member] });
      const stream = await openStream(server.url, roomId, { token: member.token });
      const kick = await rest(server.url, "DELETE", `/rooms/${roomId}/members/${member.id}`, { token: owner.token });
      expect(kick.status).toBe(200);
      await stream.closed;
      expect(roomEventsOf(stream.events).at(-1)).toMatchObject({ type: "member.kicked", userId: member.id });
      expect(await refusalOf(await openStream(server.url, roomId, { token: member.token }))).toBe("ROOM_NOT_FOUND");
    });

    it("when the room closes to a caller who is not a member", async () => {
      const roomId = await newRoom(server.url, owner);
      const stream = await openStream(server.url, roomId);
      const ownerStream = await openStream(server.url, roomId, { token: owner.token });
      const update = await rest(server.url, "PATCH", `/rooms/${roomId}`, { token: owner.token, body: { open: false } });
      expect(update.status).toBe(200);
      await stream.closed;
      expect(roomEventsOf(stream.events).at(-1)).toMatchObject({ type: "room.updated", open: false });
      // The owner's stream goes on: a message after the change still reaches it.
      await send(server.url, owner, roomId, "still here");
      await waitFor("the owner's next event", () => ownerStream.events.length === 2);
      expect(ownerStream.ended).toBe(false);
      ownerStream.close();
    });

    it("when the room is deleted", async () => {
      const roomId = await newRoom(server.url, owner, { members: [member] });
      const stream = await openStream(server.url, roomId, { token: member.token });
      expect((await rest(server.url, "DELETE", `/rooms/${roomId}`, { token: owner.token })).status).toBe(200);
      await stream.closed;
      expect(roomEventsOf(stream.events).at(-1)?.type).toBe("room.deleted");
      expect(await refusalOf(await openStream(server.url, roomId))).toBe("ROOM_NOT_FOUND");
    });

    it("when the caller logs out, at once", async () => {
      const leaver = await signUp(server.url);
      const roomId = await newRoom(server.url, owner, { open: false, members: [leaver] });
      const stream = await openStream(server.url, roomId, { token: leaver.token });
      expect(stream.status).toBe(200);
      expect((await rest(server.url, "DELETE", "/sessions/current", { token: leaver.token })).status).toBeLessThan(300);
      await stream.closed;
      expect(stream.events).toEqual([]);
      const again = await openStream(server.url, roomId, { token: leaver.token });
      expect(again.status).toBe(401);
      expect(await refusalOf(again)).toBe("UNAUTHENTICATED");
    });
  });

  describe("tickets, for EventSource in browsers", () => {
    it("open the stream once, for the session and room they were issued for; only their hash is stored", async () => {
      const [owner, member] = await Promise.all([signUp(server.url), signUp(server.url)]);
      const roomId = await newRoom(server.url, owner, { open: false, members: [member] });
      const otherId = await newRoom(server.url, owner, { open: false, members: [member] });
      const issued = await askTicket(server.url, member.token, roomId);
      expect(issued.status).toBe(201);
      expect(issued.headers.get("cache-control")).toContain("no-store");
      const { ticket, expiresAt } = issued.body.ticket;
      expect(ticket).toMatch(/^nst_/);
      expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(61_000);

      const { db, close } = openDatabase(server.databaseUrl);
      const rows = await db.selectFrom("event_stream_tickets").selectAll().execute();
      await close();
      expect(JSON.stringify(rows)).not.toContain(ticket);
      expect(rows.map((row) => row.ticket_hash)).toContain(createHash("sha256").update(ticket).digest("hex"));

      // What a browser does: an EventSource on the ticket's URL, no header.
      const source = watchWithEventSource(`${server.url}${streamPath(roomId, { ticket })}`);
      await waitFor("the EventSource to open", () => source.opens === 1);
      const message = await send(server.url, owner, roomId, "for the ticket holder");
      await source.until("the message", (events) => createdMessages(events).some((m) => m.id === message.id));
      source.close();

      const spent = await openStream(server.url, roomId, { query: { ticket } });
      expect(spent.status).toBe(401);
      expect(await refusalOf(spent)).toBe("UNAUTHENTICATED");

      const elsewhere = (await askTicket(server.url, member.token, roomId)).body.ticket.ticket;
      expect(await refusalOf(await openStream(server.url, otherId, { query: { ticket: elsewhere } }))).toBe(
        "UNAUTHENTICATED",
      );
      // Tried on another room, it is spent all the same.
      expect(await refusalOf(await openStream(server.url, roomId, { query: { ticket: elsewhere } }))).toBe(
        "UNAUTHENTICATED",
      );
    });

    it("are refused to those who may not read the room, and end with their session", async () => {
      const [owner, stranger, leaver] = await Promise.all([signUp(server.url), signUp(server.url), signUp(server.url)]);
      const closedId = await newRoom(server.url, owner, { open: false, members: [leaver] });
      expect((await askTicket(server.url, stranger.token, closedId)).body.error.code).toBe("ROOM_NOT_FOUND");
      const anonymous = await rest(server.url, "POST", `/rooms/${closedId}/events/ticket`);
      expect(anonymous.body.error.code).toBe("UNAUTHENTICATED");

      const ticket = (await askTicket(server.url, leaver.token, closedId)).body.ticket.ticket;
      await rest(server.url, "DELETE", "/sessions/current", { token: leaver.token });
      expect(await refusalOf(await openStream(server.url, closedId, { query: { ticket } }))).toBe("UNAUTHENTICATED");

      const both = (await askTicket(server.url, owner.token, closedId)).body.ticket.ticket;
      const mixed = await openStream(server.url, closedId, { token: owner.token, query: { ticket: both } });
      expect(mixed.status).toBe(400);
    });

    it("open a stream that ends when the ticket's session logs out", async () => {
      const [owner, member] = await Promise.all([signUp(server.url), signUp(server.url)]);
      const roomId = await newRoom(server.url, owner, { open: false, members: [member] });
      const ticket = (await askTicket(server.url, member.token, roomId)).body.ticket.ticket;
      const stream = await openStream(server.url, roomId, { query: { ticket } });
      expect(stream.status).toBe(200);
      const message = await send(server.url, owner, roomId, "before the log-out");
      await waitFor("the message", () => stream.events.length === 1);
      expect(createdMessages(roomEventsOf(stream.events))[0]?.id).toBe(message.id);
      await rest(server.url, "DELETE", "/sessions/current", { token: member.token });
      await stream.closed;
      expect(stream.events).toHaveLength(1);
    });

    it("are served over tRPC too", async () => {
      const owner = await signUp(server.url);
      const roomId = await newRoom(server.url, owner, { open: false });
      const { client, close } = wsClient(server.url, { token: owner.token });
      const { ticket } = await client.rooms.eventsTicket.mutate({ roomId });
      close();
      expect(ticket.roomId).toBe(roomId);
      const stream = await openStream(server.url, roomId, { query: { ticket: ticket.ticket } });
      expect(stream.status).toBe(200);
      stream.close();
    });
  });

  it("refuses a bearer token in the URL, whatever it is called", async () => {
    const owner = await signUp(server.url);
    const roomId = await newRoom(server.url, owner);
    for (const name of ["token", "access_token", "Token"]) {
      const stream = await openStream(server.url, roomId, { query: { [name]: owner.token } });
      expect(stream.status).toBe(400);
      await stream.closed;
      const body = JSON.parse(stream.body());
      expect(body.error.code).toBe("VALIDATION_FAILED");
      expect(body.error.issues[0].message).toContain("never goes in a URL");
      expect(stream.body()).not.toContain(owner.token);
    }
    const unknown = await openStream(server.url, roomId, { query: { since: "1" } });
    expect(await refusalOf(unknown)).toBe("VALIDATION_FAILED");
  });
});

describe("event-stream tickets and sessions expire", () => {
  const clock = new ManualClock();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ clock, config: { sessionIdleTtlSeconds: 3600 } });
  });
  afterAll(() => server.stop());

  it("a stream ends at its session's expiry, as the session's sockets do", async () => {
    const owner = await signUp(server.url);
    const roomId = await newRoom(server.url, owner, { open: false });
    const stream = await openStream(server.url, roomId, { token: owner.token });
    expect(stream.status).toBe(200);
    clock.advance(3_600_000 + 1_000);
    await stream.closed;
    expect(await refusalOf(await openStream(server.url, roomId, { token: owner.token }))).toBe("UNAUTHENTICATED");
  });

  it("tickets, after 60 seconds unused", async () => {
    const owner = await signUp(server.url);
    const roomId = await newRoom(server.url, owner, { open: false });
    const fresh = (await askTicket(server.url, owner.token, roomId)).body.ticket.ticket;
    const stale = (await askTicket(server.url, owner.token, roomId)).body.ticket.ticket;
    clock.advance(59_000);
    const inTime = await openStream(server.url, roomId, { query: { ticket: fresh } });
    expect(inTime.status).toBe(200);
    inTime.close();
    clock.advance(2_000);
    expect(await refusalOf(await openStream(server.url, roomId, { query: { ticket: stale } }))).toBe("UNAUTHENTICATED");
  });
});

describe("event streams share the subscription ceilings of WebSockets", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: { wsMaxSubscriptionsPerAccount: 2, wsMaxAnonymousSubscriptionsPerAddress: 2 },
    });
  });
  afterAll(() => server.stop());

  it("per account, counted with its WebSocket subscriptions, and per address for anonymous callers", async () => {
    const owner = await signUp(server.url);
    const roomId = await newRoom(server.url, owner);
    const { client, close } = wsClient(server.url, { token: owner.token });
    const watch = watchRoom(client, roomId);
    const first = await openStream(server.url, roomId, { token: owner.token });
    expect(first.status).toBe(200);
    // The subscription is live once it hears an event; then it holds its slot for sure.
    await probeUntilHeard(watch, () => send(server.url, owner, roomId, "both listen"));

    const third = await openStream(server.url, roomId, { token: owner.token });
    expect(third.status).toBe(429);
    expect(await refusalOf(third)).toBe("RATE_LIMITED");
    watch.stop();
    close();
    // The stop reaches the server a moment later: until it has freed the slot, a stream is refused.
    let again = await openStream(server.url, roomId, { token: owner.token });
    for (let tries = 0; again.status === 429 && tries < 200; tries += 1) {
      await again.closed;
      again = await openStream(server.url, roomId, { token: owner.token });
    }
    expect(again.status).toBe(200);
    first.close();
    again.close();

    const anonymous = [await openStream(server.url, roomId), await openStream(server.url, roomId)];
    expect(anonymous.map((s) => s.status)).toEqual([200, 200]);
    expect(await refusalOf(await openStream(server.url, roomId))).toBe("RATE_LIMITED");
    for (const stream of anonymous) stream.close();
  });
});

describe("an event stream whose reader stops reading", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: { wsMaxBufferedBytes: LIMITS.maxWebSocketMessageBytes, messageSendRatePerAccount: "100000/1m" },
    });
  });
  afterAll(() => server.stop());

  // Hundreds of sends: slower on PostgreSQL than a test usually takes.
  it("is cut off, and resumes from Last-Event-ID without a gap or a repeat", async () => {
    const owner = await signUp(server.url);
    const roomId = await newRoom(server.url, owner);
    const stream = await openStream(server.url, roomId);
    const first = await send(server.url, owner, roomId, "hello");
    await waitFor("the first event", () => stream.events.length === 1);
    stream.pause();
    const body = "x".repeat(LIMITS.messageBodyMax);
    let sent = 1;
    while (server.eventStreamStats().slowReadersDropped === 0) {
      if (sent === 3000) throw new Error(`the reader was not dropped after ${sent} messages`);
      await send(server.url, owner, roomId, body);
      sent += 1;
    }
    stream.resume();
    await stream.closed;
    const received = roomEventsOf(stream.events);
    expect(received[0]?.seq).toBe(first.seq);
    expect(consecutive(received)).toBe(true);
    expect(received.length).toBeLessThan(sent);

    const resumed = await openStream(server.url, roomId, {
      headers: { "Last-Event-ID": String(received.at(-1)?.seq) },
    });
    await waitFor("the rest", () => resumed.events.length === sent - received.length);
    expect(consecutive([...received, ...roomEventsOf(resumed.events)])).toBe(true);
    resumed.close();
  }, 120_000);
});

describe("an EventSource across a server restart", () => {
  it("reconnects by itself and resumes with Last-Event-ID: every event once, in order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "natter-sse-restart-"));
    const database = await createTestDatabase(dir);
    let server = await startTestServer({ dir, database });
    const port = Number(new URL(server.url).port);
    try {
      const owner = await signUp(server.url);
      const { id: roomId } = await createRoom(server.url, owner.token, { open: false });
      const source = watchWithEventSource(`${server.url}${streamPath(roomId)}`, owner.token);
      await waitFor("the EventSource to open", () => source.opens === 1);
      for (let i = 0; i < 3; i += 1) await send(server.url, owner, roomId, `before ${i}`);
      await source.until("the events before the restart", (events) => events.length === 3);

      await server.stop();
      server = await startTestServer({ dir, database, config: { port } });
      // Sent before the EventSource is back (it waits the `retry` the server asked for): caught up from the log.
      for (let i = 0; i < 3; i += 1) await send(server.url, owner, roomId, `after ${i}`);
      await source.until("the events after the restart", (events) => events.length === 6);
      await waitFor("the reconnection", () => source.opens === 2);
      const last = await send(server.url, owner, roomId, "live again");
      await source.until("a live event", (events) => events.some((e) => e.seq === last.seq));

      expect(consecutive(source.events)).toBe(true);
      expect(createdMessages(source.events).map((m) => m.body)).toEqual([
        "before 0",
        "before 1",
        "before 2",
        "after 0",
        "after 1",
        "after 2",
        "live again",
      ]);
      source.close();
    } finally {
      await server.stop();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
