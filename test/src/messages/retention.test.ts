import { createHash } from "node:crypto";
import type { RoomEvent } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type BlobStoreFixture,
  ManualClock,
  rest,
  signUp,
  startBlobStore,
  startTestServer,
  type TestServer,
  type TestUser,
  wsClient,
} from "../harness/index.js";
import { png } from "../uploads/images.js";
import { fetchContent, sendWithAttachments, uploaded } from "../uploads/upload-client.js";
import { createdMessages, newRoom, send, watchRoom } from "./room-fixtures.js";

const DAY_MS = 24 * 3600 * 1000;
const WAIT = { timeout: 20_000, interval: 25 };
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
/** More old messages than one batch of the sweep deletes (100), so it takes several. */
const OLD_FILLERS = 130;

describe("NATTER_MESSAGE_RETENTION_DAYS", () => {
  const clock = new ManualClock();
  let store: BlobStoreFixture;
  let server: TestServer;
  let alice: TestUser;

  beforeAll(async () => {
    store = await startBlobStore("directory");
    server = await startTestServer({
      clock,
      config: {
        ...store.config,
        messageRetentionDays: 30,
        messageRetentionIntervalMs: 20,
        rateLimits: "off",
        // The clock jumps a month; the session must outlive it.
        sessionIdleTtlSeconds: 365 * 24 * 3600,
        sessionAbsoluteTtlSeconds: 365 * 24 * 3600,
      },
    });
    alice = await signUp(server.url);
  });
  afterAll(async () => {
    await server?.stop();
    await store?.stop();
  });

  it("deletes older messages with their attachments and log entries, and keeps the rest", async () => {
    const roomId = await newRoom(server.url, alice, { open: false });
    const sharedBytes = png(8, 8, 1500, 901);
    const onlyOldBytes = png(8, 8, 1500, 902);
    const oldFiles = [
      await uploaded(server.url, alice.token, sharedBytes),
      await uploaded(server.url, alice.token, onlyOldBytes),
    ];
    const withFiles = await sendWithAttachments(
      server.url,
      alice.token,
      roomId,
      oldFiles.map((file) => file.id),
      "old-with-files",
    );
    expect(withFiles.status).toBe(201);
    const edited = await send(server.url, alice, roomId, "old-before-edit");
    const edit = await rest(server.url, "PATCH", `/rooms/${roomId}/messages/${edited.id}`, {
      token: alice.token,
      body: { body: "old-after-edit" },
    });
    expect(edit.status).toBe(200);
    const deleted = await send(server.url, alice, roomId, "old-deleted-by-alice");
    const tombstone = await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${deleted.id}`, {
      token: alice.token,
    });
    expect(tombstone.status).toBe(200);
    // Reactions, a pin and a thread leave the log with the message they are about.
    const reacted = await send(server.url, alice, roomId, "old-reacted");
    const about = `/rooms/${roomId}/messages/${reacted.id}`;
    expect(
      (await rest(server.url, "PUT", `${about}/reactions/${encodeURIComponent("👍")}`, { token: alice.token })).status,
    ).toBe(200);
    expect((await rest(server.url, "PUT", `/rooms/${roomId}/pins/${reacted.id}`, { token: alice.token })).status).toBe(
      200,
    );
    const reply = await rest(server.url, "POST", `/rooms/${roomId}/messages`, {
      token: alice.token,
      body: { body: "old-thread-reply", threadId: reacted.id },
    });
    expect(reply.status).toBe(201);
    for (let i = 0; i < OLD_FILLERS; i += 1) await send(server.url, alice, roomId, `old-filler-${i}`);

    clock.advance(20 * DAY_MS);
    const youngFile = await uploaded(server.url, alice.token, sharedBytes);
    const young = await sendWithAttachments(server.url, alice.token, roomId, [youngFile.id], "young");
    expect(young.status).toBe(201);
    // A day short of the retention, nothing went: the sweep runs every 20 ms meanwhile.
    clock.advance(9 * DAY_MS);
    const history = async () =>
      (await rest(server.url, "GET", `/rooms/${roomId}/messages?limit=100`, { token: alice.token })).body.messages as {
        body: string | null;
      }[];
    await vi.waitFor(async () => expect(await history()).toHaveLength(100), WAIT);

    clock.advance(2 * DAY_MS);
    await vi.waitFor(async () => expect((await history()).map((m) => m.body)).toEqual(["young"]), WAIT);

    // The attachments went with their message; bytes another upload still uses stay.
    for (const file of oldFiles) {
      expect((await fetchContent(server.url, file.url, { token: alice.token })).status).toBe(404);
    }
    expect(await store.blobKeys()).not.toContain(sha256(onlyOldBytes));
    expect(await store.blobKeys()).toContain(sha256(sharedBytes));
    const kept = await fetchContent(server.url, youngFile.url, { token: alice.token });
    expect(kept.status).toBe(200);
    expect(kept.bytes.equals(sharedBytes)).toBe(true);

    // A replay from the start shows none of it, and goes on live past the deleted seqs.
    const ws = wsClient(server.url, { token: alice.token });
    try {
      const watch = watchRoom(ws.client, roomId, "0");
      await watch.until("the young message", (events) => createdMessages(events).some((m) => m.body === "young"));
      const after = await send(server.url, alice, roomId, "after the sweep");
      await watch.until("the message sent after", (events) => events.some((e) => e.seq === after.seq));
      const replayed = JSON.stringify(watch.events);
      expect(replayed).not.toContain("old-");
      for (const file of oldFiles) expect(replayed).not.toContain(file.id);
      expect(watch.events.map((event: RoomEvent) => event.type)).toEqual([
        "room.created",
        "message.created",
        "message.created",
      ]);
      expect(createdMessages(watch.events).map((m) => m.body)).toEqual(["young", "after the sweep"]);
    } finally {
      ws.close();
    }
  });
});
