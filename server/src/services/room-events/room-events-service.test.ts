import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { migrateToLatest, type OpenedDatabase, openDatabase } from "@natter/db";
import type { RoomEvent } from "@natter/shared";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AuthSession } from "../../auth/auth-session.js";
import { systemClock, toTimestamp } from "../../clock/clock.js";
import { InProcessRoomEventBus, type RoomEventBus, type RoomEventListener } from "../../events/room-event-bus.js";
import { DirectoryBlobStore } from "../../uploads/directory-blob-store.js";
import { MessagesService } from "../messages/messages-service.js";
import { RoomWriter } from "../room-writes/room-writer.js";
import { RoomsService } from "../rooms/rooms-service.js";
import { RoomEventsService } from "./room-events-service.js";

/**
 * A bus as a multi-node one may behave, within the bus contract ("best effort, may
 * reorder"): it can hold events and release them newest first, and drop some outright.
 */
class UnrulyBus implements RoomEventBus {
  private readonly inner = new InProcessRoomEventBus();
  private held: RoomEvent[] = [];
  holding = false;
  /** Events for which this answers true are never delivered. */
  drops: (event: RoomEvent) => boolean = () => false;

  async publish(events: readonly RoomEvent[]): Promise<void> {
    const kept = events.filter((event) => !this.drops(event));
    if (this.holding) this.held.push(...kept);
    else await this.inner.publish(kept);
  }

  subscribe(roomId: string, listener: RoomEventListener): Promise<() => void> {
    return this.inner.subscribe(roomId, listener);
  }

  /** Delivers every held event, newest first. */
  releaseReversed(): void {
    const held = this.held.reverse();
    this.held = [];
    this.holding = false;
    void this.inner.publish(held);
  }
}

describe("RoomEventsService.watch", () => {
  let database: OpenedDatabase;
  let bus: UnrulyBus;
  let messages: MessagesService;
  let roomEvents: RoomEventsService;
  let alice: AuthSession;
  let roomId: string;
  let blobsDir: string;
  let writer: RoomWriter;

  beforeEach(async () => {
    database = openDatabase(":memory:");
    await migrateToLatest(database);
    const { db } = database;
    await db
      .insertInto("users")
      .values({ id: "u1", username: "alice", username_key: "alice", password_hash: "x", created_at: toTimestamp(0) })
      .execute();
    alice = { sessionId: "s1", userId: "u1", username: "alice", isAdmin: false, expiresAt: Number.MAX_SAFE_INTEGER };
    bus = new UnrulyBus();
    // These messages carry no attachments: the store is there but never written.
    blobsDir = mkdtempSync(join(tmpdir(), "natter-blobs-"));
    writer = new RoomWriter({ db, engine: database.engine, clock: systemClock, events: bus });
    messages = new MessagesService({ db, writer, blobs: await DirectoryBlobStore.open(blobsDir), clock: systemClock });
    roomEvents = new RoomEventsService({ db, events: bus });
    const rooms = new RoomsService({ db, writer, clock: systemClock });
    roomId = (await rooms.create(alice, { open: true, memberIds: [] })).id;
  });
  afterEach(async () => {
    await database.close();
    rmSync(blobsDir, { recursive: true, force: true });
  });

  const sendMany = async (count: number) => {
    for (let i = 0; i < count; i++) await messages.send(alice, roomId, { body: `m${i}` });
  };

  /** Pulls `count` events from a watch, failing instead of hanging if they never come. */
  const take = async (stream: AsyncGenerator<RoomEvent>, count: number) => {
    const taken: RoomEvent[] = [];
    while (taken.length < count) {
      const next = await Promise.race([
        stream.next(),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`stalled after ${taken.length}`)), 5000)),
      ]);
      if (next.done) break;
      taken.push(next.value);
    }
    return taken;
  };

  const seqsFrom = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i);

  it("sends each entry once when live entries arrive in the middle of a replay", async () => {
    await sendMany(600);
    const stream = roomEvents.watch(alice, roomId, 1);
    const replayed = await take(stream, 250);
    await sendMany(50);
    const rest = await take(stream, 400);
    expect([...replayed, ...rest].map((e) => e.seq)).toEqual(seqsFrom(2, 650));
    // The 50 were also queued live; they are dropped as sent, and the stream goes on live.
    await sendMany(1);
    expect((await take(stream, 1)).map((e) => e.seq)).toEqual([652]);
    await stream.return();
  });

  it("fills from the log what a reordering bus delivers out of order", async () => {
    const stream = roomEvents.watch(alice, roomId, 1);
    const first = stream.next();
    bus.holding = true;
    await sendMany(10);
    bus.releaseReversed();
    const events = [(await first).value as RoomEvent, ...(await take(stream, 9))];
    expect(events.map((e) => e.seq)).toEqual(seqsFrom(2, 10));
    await stream.return();
  });

  it("fills from the log what a bus drops, once a later event arrives", async () => {
    bus.drops = (event) => event.seq % 5 !== 0;
    const stream = roomEvents.watch(alice, roomId, 1);
    const first = stream.next();
    await sendMany(9);
    const events = [(await first).value as RoomEvent, ...(await take(stream, 8))];
    expect(events.map((e) => e.seq)).toEqual(seqsFrom(2, 9));
    await stream.return();
  });

  it("stops queueing for a watcher that does not pull, and catches it up from the log", async () => {
    const stream = roomEvents.watch(alice, roomId, 1);
    const first = stream.next();
    // 1,200 events published while the watcher holds only one: far past its queue.
    await sendMany(1200);
    const events = [(await first).value as RoomEvent, ...(await take(stream, 1199))];
    expect(events.map((e) => e.seq)).toEqual(seqsFrom(2, 1200));
    await sendMany(1);
    expect((await take(stream, 1)).map((e) => e.seq)).toEqual([1202]);
    await stream.return();
  });

  it("ends with ROOM_NOT_FOUND when the room is deleted while a watcher that does not pull has overflowed", async () => {
    const stream = roomEvents.watch(alice, roomId, 1);
    const first = stream.next();
    await sendMany(600);
    await first;
    // The room.deleted entry goes with the overflow, and the cascade takes the log it would read.
    await new RoomsService({ db: database.db, writer, clock: systemClock }).delete(alice, roomId);
    await expect(take(stream, 1000)).rejects.toMatchObject({ code: "ROOM_NOT_FOUND" });
  });

  /**
   * Watches with a `deliver`: what the stream yields and what it delivers live go to one
   * list, as both go to one socket. Resolves `ended` when the stream ends.
   */
  const watchDelivering = (afterSeq: number | undefined, signal?: AbortSignal) => {
    const received: Array<{ seq: number; how: "yielded" | "delivered"; type: string }> = [];
    const stream = roomEvents.watch(alice, roomId, afterSeq, signal, (event) =>
      received.push({ seq: event.seq, how: "delivered", type: event.type }),
    );
    const ended = (async () => {
      for await (const event of stream) received.push({ seq: event.seq, how: "yielded", type: event.type });
    })();
    return { received, ended };
  };
  it("delivers live entries of a caught-up watcher straight to `deliver`, in order, each once", async () => {
    await sendMany(5);
    const { received } = watchDelivering(1);
    await vi.waitFor(() => expect(received).toHaveLength(5));
    await sendMany(20);
    await vi.waitFor(() => expect(received).toHaveLength(25));
    expect(received.map((e) => e.seq)).toEqual(seqsFrom(2, 25));
    // The replay was yielded; everything after it went out live, without the generator.
    expect(received.slice(0, 5).every((e) => e.how === "yielded")).toBe(true);
    expect(received.slice(5).every((e) => e.how === "delivered")).toBe(true);
  });

  it("sends a live watcher back to the log when a reordering bus opens a gap, then live again", async () => {
    const { received } = watchDelivering(1);
    bus.holding = true;
    await sendMany(10);
    bus.releaseReversed();
    await vi.waitFor(() => expect(received).toHaveLength(10));
    await sendMany(5);
    await vi.waitFor(() => expect(received).toHaveLength(15));
    expect(received.map((e) => e.seq)).toEqual(seqsFrom(2, 15));
    expect(received.slice(10).every((e) => e.how === "delivered")).toBe(true);
  });

  it("fills from the log what a bus drops while the watcher is live", async () => {
    bus.drops = (event) => event.seq % 5 !== 0;
    const { received } = watchDelivering(1);
    await sendMany(9);
    await vi.waitFor(() => expect(received).toHaveLength(9));
    expect(received.map((e) => e.seq)).toEqual(seqsFrom(2, 9));
  });

  it("ends a live watcher's stream after the room's deletion, delivered live", async () => {
    await sendMany(1);
    const { received, ended } = watchDelivering(1);
    await vi.waitFor(() => expect(received).toHaveLength(1));
    await new RoomsService({ db: database.db, writer, clock: systemClock }).delete(alice, roomId);
    await ended;
    expect(received.map((e) => [e.type, e.how])).toEqual([
      ["message.created", "yielded"],
      ["room.deleted", "delivered"],
    ]);
  });

  it("ends a live watcher when its signal aborts, and delivers nothing after", async () => {
    const controller = new AbortController();
    const { received, ended } = watchDelivering(1, controller.signal);
    await sendMany(1);
    await vi.waitFor(() => expect(received).toHaveLength(1));
    controller.abort();
    await ended;
    await sendMany(1);
    expect(received).toHaveLength(1);
  });

  it("ends when the watcher's signal aborts while it waits", async () => {
    const controller = new AbortController();
    const stream = roomEvents.watch(alice, roomId, undefined, controller.signal);
    const next = stream.next();
    controller.abort();
    expect(await next).toEqual({ done: true, value: undefined });
  });
});
