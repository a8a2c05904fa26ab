import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  BLOB_STORE_KINDS,
  type BlobStoreFixture,
  createRoom,
  createTestDatabase,
  ManualClock,
  rest,
  signUp,
  startBlobStore,
  startTestServer,
  type TestServer,
  type TestUser,
  wsClient,
} from "../harness/index.js";
import { createdMessages, watchRoom } from "../messages/room-fixtures.js";
import { png } from "./images.js";
import { fetchContent, sendWithAttachments, upload, uploaded } from "./upload-client.js";

const WAIT = { timeout: 10_000, interval: 25 };
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
let seed = 100;
const image = (size = 1500) => png(8, 8, size, seed++);

describe.each(BLOB_STORE_KINDS)("attachments stored in %s", (kind) => {
  let store: BlobStoreFixture;
  let server: TestServer;
  let alice: TestUser;
  let roomId: string;
  const sockets: Array<{ close(): void }> = [];

  beforeAll(async () => {
    store = await startBlobStore(kind);
    server = await startTestServer({ config: store.config });
    alice = await signUp(server.url);
    roomId = (await createRoom(server.url, alice.token, { open: true })).id;
  });
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });
  afterAll(async () => {
    await server?.stop();
    await store?.stop();
  });

  it("carries attachments on the message, in history and in the room's live events", async () => {
    const ws = wsClient(server.url, { token: alice.token });
    sockets.push(ws);
    const watch = watchRoom(ws.client, roomId, "0");
    const [first, second] = [
      await uploaded(server.url, alice.token, image()),
      await uploaded(server.url, alice.token, image()),
    ];
    const sent = await sendWithAttachments(server.url, alice.token, roomId, [second.id, first.id]);
    expect(sent.status).toBe(201);
    expect(sent.body.message.attachments.map((a: { id: string }) => a.id)).toEqual([second.id, first.id]);

    const history = await rest(server.url, "GET", `/rooms/${roomId}/messages`, { token: alice.token });
    const listed = history.body.messages.find((m: { id: string }) => m.id === sent.body.message.id);
    expect(listed.attachments).toEqual(sent.body.message.attachments);
    const plain = await rest(server.url, "POST", `/rooms/${roomId}/messages`, {
      token: alice.token,
      body: { body: "x" },
    });
    expect(plain.body.message.attachments).toEqual([]);

    await watch.until("the message", (events) => createdMessages(events).some((m) => m.id === sent.body.message.id));
    const live = createdMessages(watch.events).find((m) => m.id === sent.body.message.id);
    expect(live?.attachments).toEqual(sent.body.message.attachments);
  });

  it("refuses someone else's upload, one already attached, a repeated id and more than 10", async () => {
    const bob = await signUp(server.url);
    await rest(server.url, "POST", `/rooms/${roomId}/join`, { token: bob.token });
    const bobs = await uploaded(server.url, bob.token, image());
    const notMine = await sendWithAttachments(server.url, alice.token, roomId, [bobs.id]);
    expect([notMine.status, notMine.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);
    expect(notMine.body.error.issues[0].path).toBe("attachmentIds.0");

    const mine = await uploaded(server.url, alice.token, image());
    expect((await sendWithAttachments(server.url, alice.token, roomId, [mine.id])).status).toBe(201);
    const again = await sendWithAttachments(server.url, alice.token, roomId, [mine.id]);
    expect([again.status, again.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);

    const other = await uploaded(server.url, alice.token, image());
    const repeated = await sendWithAttachments(server.url, alice.token, roomId, [other.id, other.id]);
    expect([repeated.status, repeated.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);
    const eleven = await sendWithAttachments(
      server.url,
      alice.token,
      roomId,
      Array.from({ length: 11 }, () => "x"),
    );
    expect([eleven.status, eleven.body.error.code]).toEqual([400, "VALIDATION_FAILED"]);
    // The refused sends attached nothing: the upload is still free.
    expect((await sendWithAttachments(server.url, alice.token, roomId, [other.id])).status).toBe(201);
  });

  it("keeps attachments on an edit that leaves them out, changes them on one that names them", async () => {
    const [kept, dropped, added] = [image(), image(), image()];
    const uploads = await Promise.all([kept, dropped, added].map((bytes) => uploaded(server.url, alice.token, bytes)));
    const [keptUpload, droppedUpload, addedUpload] = uploads as [
      (typeof uploads)[0],
      (typeof uploads)[0],
      (typeof uploads)[0],
    ];
    const sent = await sendWithAttachments(server.url, alice.token, roomId, [keptUpload.id, droppedUpload.id]);
    const path = `/rooms/${roomId}/messages/${sent.body.message.id}`;

    const reworded = await rest(server.url, "PATCH", path, { token: alice.token, body: { body: "reworded" } });
    expect(reworded.body.message.attachments.map((a: { id: string }) => a.id)).toEqual([
      keptUpload.id,
      droppedUpload.id,
    ]);

    const changed = await rest(server.url, "PATCH", path, {
      token: alice.token,
      body: { body: "changed", attachmentIds: [addedUpload.id, keptUpload.id] },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.message.attachments.map((a: { id: string }) => a.id)).toEqual([addedUpload.id, keptUpload.id]);
    expect((await fetchContent(server.url, droppedUpload.url, { token: alice.token })).status).toBe(404);
    expect(await store.blobKeys()).not.toContain(sha256(dropped));
    expect((await fetchContent(server.url, keptUpload.url)).status).toBe(200);
  });

  it("deletes a message's attachments with it, and replays show none of them; shared bytes stay", async () => {
    const bytes = image();
    const [onMessage, elsewhere] = [
      await uploaded(server.url, alice.token, bytes),
      await uploaded(server.url, alice.token, bytes),
    ];
    const sent = await sendWithAttachments(server.url, alice.token, roomId, [onMessage.id]);
    await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${sent.body.message.id}`, { token: alice.token });

    const ws = wsClient(server.url, { token: alice.token });
    sockets.push(ws);
    const replay = watchRoom(ws.client, roomId, "0");
    await replay.until("the deletion", (events) =>
      events.some((e) => e.type === "message.deleted" && e.messageId === sent.body.message.id),
    );
    const replayed = createdMessages(replay.events).find((m) => m.id === sent.body.message.id);
    expect(replayed).toMatchObject({ body: null, attachments: [] });

    expect((await fetchContent(server.url, onMessage.url, { token: alice.token })).status).toBe(404);
    // The other upload of the same bytes still holds them.
    expect(await store.blobKeys()).toContain(sha256(bytes));
    const still = await fetchContent(server.url, elsewhere.url, { token: alice.token });
    expect(still.bytes.equals(bytes)).toBe(true);
  });
});

describe.each(BLOB_STORE_KINDS)("upload lifecycle in %s", (kind) => {
  let store: BlobStoreFixture;

  beforeAll(async () => {
    store = await startBlobStore(kind);
  });
  afterAll(async () => {
    await store?.stop();
  });

  it("sweeps uploads never attached after 24 hours, and keeps attached ones and avatars", async () => {
    const clock = new ManualClock();
    const server = await startTestServer({ clock, config: { ...store.config, uploadSweepIntervalMs: 20 } });
    try {
      const alice = await signUp(server.url);
      const room = await createRoom(server.url, alice.token, { open: true });
      const [lonelyBytes, attachedBytes, avatarBytes] = [image(), image(), image()];
      const lonely = await uploaded(server.url, alice.token, lonelyBytes);
      const attached = await uploaded(server.url, alice.token, attachedBytes);
      const avatar = await uploaded(server.url, alice.token, avatarBytes);
      await sendWithAttachments(server.url, alice.token, room.id, [attached.id]);
      await rest(server.url, "PUT", "/me/avatar", { token: alice.token, body: { uploadId: avatar.id } });

      clock.advance(23 * 3600 * 1000);
      const young = await uploaded(server.url, alice.token, image());
      clock.advance(3600 * 1000 + 1000);
      await vi.waitFor(async () => {
        expect((await fetchContent(server.url, lonely.url, { token: alice.token })).status).toBe(404);
      }, WAIT);
      expect(await store.blobKeys()).not.toContain(sha256(lonelyBytes));
      for (const kept of [attached, avatar, young]) {
        expect((await fetchContent(server.url, kept.url, { token: alice.token })).status).toBe(200);
      }
    } finally {
      await server.stop();
    }
  });

  it("removes bytes no upload records (a crash before committing) and bytes left in transit, seen so for an hour", async () => {
    const HOUR = 3600 * 1000;
    // A store of its own: the sweeper takes whatever its database does not record for a crash's.
    const own = await startBlobStore(kind);
    const clock = new ManualClock();
    const server = await startTestServer({
      clock,
      config: { ...own.config, uploadSweepIntervalMs: 20, uploadUnattachedTtlSeconds: 60 },
    });
    try {
      const alice = await signUp(server.url);
      const room = await createRoom(server.url, alice.token, { open: false });
      const keptBytes = image();
      const kept = await uploaded(server.url, alice.token, keptBytes);
      await sendWithAttachments(server.url, alice.token, room.id, [kept.id]);
      const orphanBytes = image();
      await own.plant(sha256(orphanBytes), orphanBytes);
      await own.plantPartial("left-by-a-crash", image());
      const lonely = await uploaded(server.url, alice.token, image());

      clock.advance(61_000);
      // A pass looks at the store before it sweeps unattached uploads: once the lonely upload
      // is gone, a pass has seen the planted bytes, and kept them (seen for less than an hour).
      await vi.waitFor(async () => {
        expect((await fetchContent(server.url, lonely.url, { token: alice.token })).status).toBe(404);
      }, WAIT);
      expect(await own.blobKeys()).toContain(sha256(orphanBytes));
      expect(await own.partials()).toContain("left-by-a-crash");

      clock.advance(HOUR);
      await vi.waitFor(async () => {
        expect(await own.blobKeys()).toEqual([sha256(keptBytes)]);
        expect(await own.partials()).toEqual([]);
      }, WAIT);
      const got = await fetchContent(server.url, kept.url, { token: alice.token });
      expect(got.bytes.equals(keptBytes)).toBe(true);
    } finally {
      await server.stop();
      await own.stop();
    }
  });

  it("keeps uploads, attachments and avatars across a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "natter-restart-uploads-"));
    const database = await createTestDatabase(dir);
    try {
      let server = await startTestServer({ dir, database, config: store.config });
      const alice = await signUp(server.url);
      const room = await createRoom(server.url, alice.token, { open: false });
      const bytes = image(4000);
      const kept = await uploaded(server.url, alice.token, bytes);
      const sent = await sendWithAttachments(server.url, alice.token, room.id, [kept.id]);
      await server.stop();

      server = await startTestServer({ dir, database, config: store.config });
      try {
        const got = await fetchContent(server.url, kept.url, { token: alice.token });
        expect(got.status).toBe(200);
        expect(got.bytes.equals(bytes)).toBe(true);
        const history = await rest(server.url, "GET", `/rooms/${room.id}/messages`, { token: alice.token });
        expect(history.body.messages.at(-1).attachments).toEqual(sent.body.message.attachments);
      } finally {
        await server.stop();
      }
    } finally {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("limits the bytes an account uploads per hour (429 with Retry-After), not other accounts", async () => {
    const server = await startTestServer({ config: { ...store.config, uploadBytesPerHour: 5000 } });
    try {
      const [alice, bob] = [await signUp(server.url), await signUp(server.url)];
      expect((await upload(server.url, alice.token, image(3000))).status).toBe(201);
      const over = await upload(server.url, alice.token, image(3000));
      expect([over.status, over.body.error.code]).toEqual([429, "RATE_LIMITED"]);
      const retryAfter = Number(over.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(3600);
      expect((await upload(server.url, bob.token, image(3000))).status).toBe(201);
    } finally {
      await server.stop();
    }
  });
});
