import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type BlobStoreFixture,
  signUp,
  startBlobStore,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";
import { png } from "./images.js";
import { type PartialUpload, startUpload, upload } from "./upload-client.js";

const WAIT = { timeout: 10_000, interval: 25 };

describe("uploads in progress", () => {
  let store: BlobStoreFixture;
  let server: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  const started: PartialUpload[] = [];

  beforeAll(async () => {
    store = await startBlobStore("directory");
    server = await startTestServer({
      config: {
        ...store.config,
        uploadMaxConcurrentPerAccount: 2,
        uploadMaxConcurrentPerAddress: 3,
        uploadIdleTimeoutMs: 1000,
      },
    });
    [alice, bob] = [await signUp(server.url), await signUp(server.url)];
  });
  afterAll(async () => {
    await Promise.all(started.map((partial) => partial.abort()));
    await server?.stop();
    await store?.stop();
  });

  /** Starts an upload that sends its first bytes and then waits, holding its place. */
  const begin = async (user: TestUser) => {
    const bytes = png(4, 4, 2000, started.length);
    const partial = startUpload(server.url, user.token, bytes.length);
    started.push(partial);
    await partial.write(bytes.subarray(0, 100));
    return partial;
  };

  it("holds an account to its uploads at once, and an address to its own", async () => {
    const [first, second] = [await begin(alice), await begin(alice)];
    await vi.waitFor(async () => expect(await store.partials()).toHaveLength(2), WAIT);
    const third = await upload(server.url, alice.token, png(3, 3, 500, 50));
    expect([third.status, third.body.error.code]).toEqual([429, "RATE_LIMITED"]);
    expect(third.body.error.message).toContain("at most 2 uploads at once");

    const bobsFirst = await begin(bob);
    await vi.waitFor(async () => expect(await store.partials()).toHaveLength(3), WAIT);
    const bobs = await upload(server.url, bob.token, png(3, 3, 500, 51));
    expect([bobs.status, bobs.body.error.message]).toEqual([429, expect.stringContaining("One address")]);

    // Places are given back as uploads end.
    await first.abort();
    await second.abort();
    await vi.waitFor(async () => expect(await store.partials()).toHaveLength(1), WAIT);
    expect((await upload(server.url, alice.token, png(3, 3, 500, 52))).status).toBe(201);
    await bobsFirst.abort();
  });

  it("cuts off an upload whose body sends nothing for the idle timeout, and keeps nothing of it", async () => {
    await vi.waitFor(async () => expect(await store.partials()).toHaveLength(0), WAIT);
    const idle = await begin(alice);
    await vi.waitFor(async () => expect(await store.partials()).toHaveLength(1), WAIT);
    // Nothing more is sent: the server cuts the connection and removes the bytes in transit.
    await vi.waitFor(async () => expect(await store.partials()).toHaveLength(0), WAIT);
    expect(await idle.finish(Buffer.alloc(1900))).toBe(0);
    expect((await upload(server.url, alice.token, png(3, 3, 500, 53))).status).toBe(201);
  });
});
