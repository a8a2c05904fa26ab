import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  BLOB_STORE_KINDS,
  type BlobStoreFixture,
  createRoom,
  rest,
  signUp,
  startBlobStore,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";
import { gifScriptPolyglot, png } from "./images.js";
import { fetchContent, startUpload, upload, uploaded } from "./upload-client.js";

const CAP = 256 * 1024;
const WAIT = { timeout: 10_000, interval: 25 };
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe.each(BLOB_STORE_KINDS)("uploads stored in %s", (kind) => {
  let store: BlobStoreFixture;
  let server: TestServer;
  let alice: TestUser;

  beforeAll(async () => {
    store = await startBlobStore(kind);
    server = await startTestServer({ config: { ...store.config, uploadMaxBytes: CAP } });
    alice = await signUp(server.url);
  });
  afterAll(async () => {
    await server?.stop();
    await store?.stop();
  });

  it("stores a PNG, answers its description (201) and serves the same bytes back", async () => {
    const bytes = png(40, 30, 5000, 1);
    const res = await upload(server.url, alice.token, bytes);
    expect(res.status).toBe(201);
    const { upload: created } = res.body;
    expect(created).toMatchObject({
      contentType: "image/png",
      size: 5000,
      width: 40,
      height: 30,
      sha256: sha256(bytes),
      url: `/api/v1/uploads/${created.id}/content`,
    });
    expect(await store.blobKeys()).toContain(sha256(bytes));
    const got = await fetchContent(server.url, created.url, { token: alice.token });
    expect(got.status).toBe(200);
    expect(got.bytes.equals(bytes)).toBe(true);
  });

  it("refuses 0 bytes (400), 1 byte (415), takes exactly the cap, refuses the cap + 1 (413) storing nothing", async () => {
    const empty = await upload(server.url, alice.token, Buffer.alloc(0));
    expect([empty.status, empty.body.error.code]).toEqual([400, "EMPTY_UPLOAD"]);
    const one = await upload(server.url, alice.token, Buffer.from([0x89]));
    expect([one.status, one.body.error.code]).toEqual([415, "UNSUPPORTED_MEDIA_TYPE"]);

    const atCap = png(8, 8, CAP, 2);
    expect((await upload(server.url, alice.token, atCap)).status).toBe(201);

    const overCap = png(8, 8, CAP + 1, 3);
    const before = await store.blobKeys();
    const over = await upload(server.url, alice.token, overCap);
    expect([over.status, over.body.error.code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
    expect(await store.blobKeys()).toEqual(before);
    expect(await store.partials()).toEqual([]);
  });

  it("refuses a body larger than the cap while it streams, when no length is announced", async () => {
    const overCap = png(8, 8, CAP + 64 * 1024, 4);
    const chunks = (async function* () {
      for (let at = 0; at < overCap.length; at += 16 * 1024) yield overCap.subarray(at, at + 16 * 1024);
    })();
    const res = await fetch(`${server.url}/api/v1/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.token}`, "content-type": "image/png" },
      body: ReadableStream.from(chunks),
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await store.blobKeys()).not.toContain(sha256(overCap));
    await vi.waitFor(async () => expect(await store.partials()).toEqual([]), WAIT);
  });

  it("leaves nothing behind when the client sends less than it announced and goes away", async () => {
    const bytes = png(8, 8, 200_000, 5);
    const partial = startUpload(server.url, alice.token, bytes.length);
    await partial.write(bytes.subarray(0, 150_000));
    // The server has started writing the upload...
    await vi.waitFor(async () => expect((await store.partials()).length).toBeGreaterThan(0), WAIT);
    await partial.abort();
    // ...and throws it away once the connection is gone.
    await vi.waitFor(async () => expect(await store.partials()).toEqual([]), WAIT);
    expect(await store.blobKeys()).not.toContain(sha256(bytes));
  });

  it("decides the type from the bytes: a PNG declared as JPEG is a PNG, HTML declared as PNG is refused", async () => {
    const bytes = png(10, 10, 1000, 6);
    const asJpeg = await upload(server.url, alice.token, bytes, "image/jpeg");
    expect(asJpeg.status).toBe(201);
    expect(asJpeg.body.upload.contentType).toBe("image/png");
    const got = await fetchContent(server.url, asJpeg.body.upload.url, { token: alice.token });
    expect(got.headers.get("content-type")).toBe("image/png");

    const html = Buffer.from("<!doctype html><html><script>alert(1)</script></html>");
    const asPng = await upload(server.url, alice.token, html, "image/png");
    expect([asPng.status, asPng.body.error.code]).toEqual([415, "UNSUPPORTED_MEDIA_TYPE"]);
  });

  it("serves a GIF that is also JavaScript as an image that cannot run: nosniff, sandbox, inline", async () => {
    const res = await upload(server.url, alice.token, gifScriptPolyglot(), "application/javascript");
    expect(res.status).toBe(201);
    expect(res.body.upload.contentType).toBe("image/gif");
    const got = await fetchContent(server.url, res.body.upload.url, { token: alice.token });
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("image/gif");
    expect(got.headers.get("x-content-type-options")).toBe("nosniff");
    expect(got.headers.get("content-security-policy")).toMatch(/^sandbox(;|$)/);
    expect(got.headers.get("content-disposition")).toMatch(/^inline; filename="[^"]+\.gif"/);
  });

  it("refuses absurd dimensions (a decompression bomb) with 400 before storing anything", async () => {
    const before = await store.blobKeys();
    const bomb = await upload(server.url, alice.token, png(100_000, 100_000, 2000, 7));
    expect([bomb.status, bomb.body.error.code]).toEqual([400, "IMAGE_TOO_LARGE"]);
    const wide = await upload(server.url, alice.token, png(20_000, 1, 2000, 8));
    expect([wide.status, wide.body.error.code]).toEqual([400, "IMAGE_TOO_LARGE"]);
    expect(await store.blobKeys()).toEqual(before);
  });

  it("stores identical bytes once when they are uploaded concurrently, each upload its own", async () => {
    const bytes = png(12, 12, 50_000, 9);
    const [bob] = [await signUp(server.url)];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => uploaded(server.url, i % 2 ? alice.token : bob.token, bytes)),
    );
    expect(new Set(results.map((r) => r.id)).size).toBe(10);
    expect(new Set(results.map((r) => r.sha256))).toEqual(new Set([sha256(bytes)]));
    expect((await store.blobKeys()).filter((key) => key === sha256(bytes))).toHaveLength(1);
    for (const result of results) {
      const owner = results.indexOf(result) % 2 ? alice : bob;
      const got = await fetchContent(server.url, result.url, { token: owner.token });
      expect(got.bytes.equals(bytes)).toBe(true);
    }
  });

  it("takes a multipart form with one file field, and sanitises its file name", async () => {
    const bytes = png(16, 9, 3000, 10);
    const form = new FormData();
    form.append("key", "ignored");
    form.append("file", new Blob([bytes], { type: "image/jpeg" }), '../../evil"\r\nX-Bad: 1;.html');
    const res = await fetch(`${server.url}/api/v1/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.token}` },
      body: form,
    });
    expect(res.status).toBe(201);
    const { upload: created } = (await res.json()) as { upload: { url: string } };
    expect(created).toMatchObject({ contentType: "image/png", width: 16, height: 9, size: 3000 });
    const got = await fetchContent(server.url, created.url, { token: alice.token });
    const disposition = got.headers.get("content-disposition") ?? "";
    expect(disposition).toMatch(/^inline; filename="[^"\\/\r\n;]+\.png"; filename\*=UTF-8''[^"\s]+$/);
    expect(disposition).not.toContain(".html");

    const noFile = new FormData();
    noFile.append("other", new Blob([bytes]), "a.png");
    const refused = await fetch(`${server.url}/api/v1/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.token}` },
      body: noFile,
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("VALIDATION_FAILED");
  });

  it("serves ranges, HEAD, ETag revalidation and the caching headers", async () => {
    const bytes = png(20, 20, 10_000, 11);
    const { url } = await uploaded(server.url, alice.token, bytes);
    const full = await fetchContent(server.url, url, { token: alice.token });
    const etag = full.headers.get("etag");
    expect(etag).toBe(`"${sha256(bytes)}"`);
    expect(full.headers.get("cache-control")).toMatch(/^private, max-age=\d+, immutable$/);
    expect(full.headers.get("content-length")).toBe("10000");

    const range = await fetchContent(server.url, url, { token: alice.token, headers: { range: "bytes=100-199" } });
    expect(range.status).toBe(206);
    expect(range.headers.get("content-range")).toBe("bytes 100-199/10000");
    expect(range.bytes.equals(bytes.subarray(100, 200))).toBe(true);
    const suffix = await fetchContent(server.url, url, { token: alice.token, headers: { range: "bytes=-10" } });
    expect(suffix.bytes.equals(bytes.subarray(-10))).toBe(true);
    const beyond = await fetchContent(server.url, url, { token: alice.token, headers: { range: "bytes=20000-" } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe("bytes */10000");

    const head = await fetchContent(server.url, url, { token: alice.token, method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("10000");
    expect(head.bytes.length).toBe(0);

    const revalidated = await fetchContent(server.url, url, {
      token: alice.token,
      headers: { "if-none-match": etag ?? "" },
    });
    expect(revalidated.status).toBe(304);
  });

  it("needs a signed-in uploader, and shows an unattached upload to nobody else", async () => {
    const anonymous = await upload(server.url, undefined, png());
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, "UNAUTHENTICATED"]);
    const { url } = await uploaded(server.url, alice.token, png(5, 5, 900, 12));
    const bob = await signUp(server.url);
    expect((await fetchContent(server.url, url, { token: bob.token })).status).toBe(404);
    expect((await fetchContent(server.url, url)).status).toBe(404);
    const unknown = await fetchContent(server.url, "/api/v1/uploads/nope/content", { token: alice.token });
    expect(unknown.status).toBe(404);
    const wrongMethod = await fetch(new URL(url, server.url), { method: "DELETE" });
    expect(wrongMethod.status).toBe(405);
  });

  it("shows a closed room's image to its members only, and to nobody once the message is deleted", async () => {
    const [bob, eve] = [await signUp(server.url), await signUp(server.url)];
    const room = await createRoom(server.url, alice.token, { open: false, memberIds: [bob.id] });
    const bytes = png(30, 30, 7000, 13);
    const image = await uploaded(server.url, alice.token, bytes);
    const sent = await rest(server.url, "POST", `/rooms/${room.id}/messages`, {
      token: alice.token,
      body: { body: "a picture", attachmentIds: [image.id] },
    });
    expect(sent.status).toBe(201);
    expect(sent.body.message.attachments).toEqual([
      { id: image.id, url: image.url, contentType: "image/png", size: 7000, width: 30, height: 30 },
    ]);

    expect((await fetchContent(server.url, image.url, { token: bob.token })).status).toBe(200);
    expect((await fetchContent(server.url, image.url, { token: eve.token })).status).toBe(404);
    expect((await fetchContent(server.url, image.url)).status).toBe(404);

    const deleted = await rest(server.url, "DELETE", `/rooms/${room.id}/messages/${sent.body.message.id}`, {
      token: alice.token,
    });
    expect(deleted.body.message.attachments).toEqual([]);
    expect((await fetchContent(server.url, image.url, { token: alice.token })).status).toBe(404);
    expect((await fetchContent(server.url, image.url, { token: bob.token })).status).toBe(404);
    expect(await store.blobKeys()).not.toContain(sha256(bytes));
  });

  it("lets anyone read an open room's image, like the room itself", async () => {
    const room = await createRoom(server.url, alice.token, { open: true });
    const image = await uploaded(server.url, alice.token, png(6, 6, 1200, 14));
    await rest(server.url, "POST", `/rooms/${room.id}/messages`, {
      token: alice.token,
      body: { body: "open", attachmentIds: [image.id] },
    });
    expect((await fetchContent(server.url, image.url)).status).toBe(200);
  });
});

describe("uploads to an S3 bucket that refuses them", () => {
  let store: BlobStoreFixture;
  let server: TestServer;

  beforeAll(async () => {
    store = await startBlobStore("s3");
    // A bucket the S3 server does not have: every PutObject is refused.
    server = await startTestServer({ config: { ...store.config, s3Bucket: "no-such-bucket" } });
  });
  afterAll(async () => {
    await server?.stop();
    await store?.stop();
  });

  it("answers 500 while the body still streams in, and the server goes on serving", async () => {
    const alice = await signUp(server.url);
    const bytes = png(8, 8, 200_000, 15);
    const partial = startUpload(server.url, alice.token, bytes.length);
    await partial.write(bytes.subarray(0, 100_000));
    // S3 refuses the bytes streaming to it while the rest of the body has yet to come.
    await vi.waitFor(() => expect(store.refusals()).toBeGreaterThan(0), WAIT);
    expect(await partial.finish(bytes.subarray(100_000))).toBe(500);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
