import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type BlobStoreFixture,
  grantServerAdmin,
  rest,
  signUp,
  startBlobStore,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";
import { png } from "./images.js";
import { upload } from "./upload-client.js";

const STORAGE_MAX_BYTES = 30_000;
const WAIT = { timeout: 10_000, interval: 25 };

/** Uploads `bytes` as a body of unannounced length (chunked), so only the streaming checks can refuse it. */
async function uploadChunked(baseUrl: string, token: string, bytes: Buffer) {
  const res = await fetch(`${baseUrl}/api/v1/uploads`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "image/png" },
    body: ReadableStream.from(
      (async function* () {
        for (let at = 0; at < bytes.length; at += 1024) yield bytes.subarray(at, at + 1024);
      })(),
    ),
    duplex: "half",
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
}

describe("the server-wide upload storage ceiling (NATTER_UPLOAD_STORAGE_MAX_BYTES)", () => {
  let store: BlobStoreFixture;
  let server: TestServer;
  let admin: TestUser;
  let alice: TestUser;

  const storage = async () => {
    const res = await rest(server.url, "GET", "/admin/stats", { token: admin.token });
    expect(res.status).toBe(200);
    return res.body.uploads as { count: number; storedBytes: number; storageMaxBytes: number | null };
  };

  beforeAll(async () => {
    store = await startBlobStore("directory");
    server = await startTestServer({ config: { ...store.config, uploadStorageMaxBytes: STORAGE_MAX_BYTES } });
    [admin, alice] = [await signUp(server.url), await signUp(server.url)];
    await grantServerAdmin(server.databaseUrl, admin.username);
  });
  afterAll(async () => {
    await server?.stop();
    await store?.stop();
  });

  it("stores up to the ceiling, answers 507 STORAGE_FULL beyond it and keeps nothing of the refused", async () => {
    expect(await storage()).toEqual({ count: 0, storedBytes: 0, storageMaxBytes: STORAGE_MAX_BYTES });
    const first = png(8, 8, 20_000, 1);
    expect((await upload(server.url, alice.token, first)).status).toBe(201);
    // The same bytes again take no more room: they are stored once.
    expect((await upload(server.url, alice.token, png(8, 8, 5_000, 2))).status).toBe(201);
    expect(await storage()).toEqual({ count: 2, storedBytes: 25_000, storageMaxBytes: STORAGE_MAX_BYTES });

    // Announced larger than what is left: refused before a byte is stored.
    const announced = await upload(server.url, alice.token, png(8, 8, 6_000, 3));
    expect([announced.status, announced.body.error.code]).toEqual([507, "STORAGE_FULL"]);
    expect(announced.body.error.message).toContain(`at most ${STORAGE_MAX_BYTES} bytes`);
    // Of no announced length: refused as it grows past what is left.
    const streamed = await uploadChunked(server.url, alice.token, png(8, 8, 6_000, 4));
    expect([streamed.status, streamed.body.error.code]).toEqual([507, "STORAGE_FULL"]);
    await vi.waitFor(async () => expect(await store.partials()).toEqual([]), WAIT);
    expect(await store.blobKeys()).toHaveLength(2);
    expect(await storage()).toEqual({ count: 2, storedBytes: 25_000, storageMaxBytes: STORAGE_MAX_BYTES });

    // What still fits is taken.
    expect((await upload(server.url, alice.token, png(8, 8, 5_000, 5))).status).toBe(201);
    expect((await storage()).storedBytes).toBe(STORAGE_MAX_BYTES);
    const full = await upload(server.url, alice.token, png(1, 1, 100, 6));
    expect([full.status, full.body.error.code]).toEqual([507, "STORAGE_FULL"]);
  });
});

describe("uploads finishing at once near the storage ceiling", () => {
  let server: TestServer;
  let store: BlobStoreFixture;

  beforeAll(async () => {
    store = await startBlobStore("directory");
    server = await startTestServer({ config: { ...store.config, uploadStorageMaxBytes: 10_000 } });
  });
  afterAll(async () => {
    await server?.stop();
    await store?.stop();
  });

  it("never go beyond it together: each fits alone, only two fit at all", async () => {
    const users = await Promise.all(Array.from({ length: 4 }, () => signUp(server.url)));
    const results = await Promise.all(users.map((user, n) => upload(server.url, user.token, png(8, 8, 4_000, 20 + n))));
    expect(results.map((res) => res.status).sort()).toEqual([201, 201, 507, 507]);
    await vi.waitFor(async () => expect(await store.partials()).toEqual([]), WAIT);
    expect(await store.blobKeys()).toHaveLength(2);
  });
});

describe("the per-address upload allowance (NATTER_UPLOAD_BYTES_PER_HOUR_PER_ADDRESS)", () => {
  let server: TestServer;
  let store: BlobStoreFixture;

  beforeAll(async () => {
    store = await startBlobStore("directory");
    server = await startTestServer({
      config: {
        ...store.config,
        // Loopback is the proxy that names each client in X-Forwarded-For.
        trustedProxies: "127.0.0.1",
        uploadBytesPerHour: 10_000,
        uploadBytesPerHourPerAddress: 15_000,
      },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await store?.stop();
  });

  const uploadFrom = async (address: string, token: string, bytes: Buffer) => {
    const res = await fetch(`${server.url}/api/v1/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "image/png", "x-forwarded-for": address },
      body: bytes,
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
  };

  it("bounds what one address stores through all its accounts, and no other address", async () => {
    const [alice, bob, carol, dave] = [
      await signUp(server.url),
      await signUp(server.url),
      await signUp(server.url),
      await signUp(server.url),
    ];
    expect((await uploadFrom("203.0.113.7", alice.token, png(8, 8, 9_000, 30))).status).toBe(201);
    // Bob's account has its whole allowance, but his address has only 6,000 bytes left.
    const refused = await uploadFrom("203.0.113.7", bob.token, png(8, 8, 9_000, 31));
    expect([refused.status, refused.body.error.code]).toEqual([429, "RATE_LIMITED"]);
    expect(refused.body.error.message).toContain("address");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    const again = await uploadFrom("203.0.113.7", dave.token, png(8, 8, 7_000, 32));
    expect([again.status, again.body.error.code]).toEqual([429, "RATE_LIMITED"]);
    // Another address has its own allowance.
    expect((await uploadFrom("198.51.100.4", carol.token, png(8, 8, 9_000, 33))).status).toBe(201);
  });
});
