import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  BLOB_STORE_KINDS,
  type BlobStoreFixture,
  signUp,
  startBlobStore,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";
import { png } from "./images.js";
import { fetchContent, upload } from "./upload-client.js";

const MIB = 1024 * 1024;
const WAIT = { timeout: 20_000, interval: 25 };
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** A request body of no announced length (chunked), `bytes` in 64 KiB chunks, then whatever `rest` does. */
function chunked(bytes: Buffer, rest: () => Promise<void> = async () => {}) {
  return ReadableStream.from(
    (async function* () {
      for (let at = 0; at < bytes.length; at += 64 * 1024) yield bytes.subarray(at, at + 64 * 1024);
      await rest();
    })(),
  );
}

// Larger than S3's 5 MiB part: a body of unknown length becomes a multipart upload there.
describe.each(BLOB_STORE_KINDS)("uploads of several megabytes stored in %s", (kind) => {
  let store: BlobStoreFixture;
  let server: TestServer;
  let alice: TestUser;

  beforeAll(async () => {
    store = await startBlobStore(kind);
    server = await startTestServer({ config: { ...store.config, uploadMaxBytes: 12 * MIB } });
    alice = await signUp(server.url);
  });
  afterAll(async () => {
    await server?.stop();
    await store?.stop();
  });

  it("stores 11 MiB of unannounced length (three S3 parts) and 11 MiB of announced length whole", async () => {
    const unannounced = png(64, 64, 11 * MIB, 1);
    const res = await fetch(`${server.url}/api/v1/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.token}`, "content-type": "image/png" },
      body: chunked(unannounced),
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(201);
    const { upload: first } = (await res.json()) as { upload: { url: string; sha256: string; size: number } };
    expect([first.sha256, first.size]).toEqual([sha256(unannounced), 11 * MIB]);
    expect((await fetchContent(server.url, first.url, { token: alice.token })).bytes.equals(unannounced)).toBe(true);

    const announced = png(64, 64, 11 * MIB, 2);
    const second = await upload(server.url, alice.token, announced);
    expect(second.status).toBe(201);
    const got = await fetchContent(server.url, second.body.upload.url, { token: alice.token });
    expect(got.bytes.equals(announced)).toBe(true);
    expect(await store.blobKeys()).toEqual(expect.arrayContaining([sha256(unannounced), sha256(announced)]));
    expect(await store.partials()).toEqual([]);
  });

  it("leaves nothing behind when a body of unannounced length is cut off after its first S3 part", async () => {
    const bytes = png(64, 64, 11 * MIB, 3);
    const controller = new AbortController();
    let cutOff = () => {};
    const sentSevenMiB = new Promise<void>((resolve) => {
      cutOff = resolve;
    });
    const request = fetch(`${server.url}/api/v1/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.token}`, "content-type": "image/png" },
      body: chunked(bytes.subarray(0, 7 * MIB), async () => {
        cutOff();
        // The body never ends: the client goes away instead.
        await new Promise(() => {});
      }),
      duplex: "half",
      signal: controller.signal,
    } as RequestInit).catch(() => undefined);
    await sentSevenMiB;
    // The server has received the first part's bytes (S3: a multipart upload is under way)...
    await vi.waitFor(async () => expect((await store.partials()).length).toBeGreaterThan(0), WAIT);
    controller.abort();
    await request;
    // ...and throws everything away once the connection is gone.
    await vi.waitFor(async () => expect(await store.partials()).toEqual([]), WAIT);
    expect(await store.blobKeys()).not.toContain(sha256(bytes));
  });
});
