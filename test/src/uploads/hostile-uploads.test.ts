import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BlobStoreFixture,
  signUp,
  startBlobStore,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";
import { gif, png } from "./images.js";
import { fetchContent, upload } from "./upload-client.js";

/** POSTs a hand-written multipart body (boundary `x`) to the uploads path. */
async function postMultipart(baseUrl: string, token: string, body: Buffer) {
  const res = await fetch(`${baseUrl}/api/v1/uploads`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "multipart/form-data; boundary=x" },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** A multipart part header for the `file` field, its `filename` parameter written as raw UTF-8 bytes. */
function filePart(filename: string): Buffer {
  return Buffer.from(`--x\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n\r\n`, "utf8");
}

describe("hostile uploads", () => {
  let store: BlobStoreFixture;
  let server: TestServer;
  let alice: TestUser;

  beforeAll(async () => {
    store = await startBlobStore("directory");
    server = await startTestServer({ config: store.config });
    alice = await signUp(server.url);
  });
  afterAll(async () => {
    await server?.stop();
    await store?.stop();
  });

  it("answers a multipart body cut off inside its file 400 MALFORMED_REQUEST, and keeps serving", async () => {
    const whole = png(2, 2, 500, 40);
    // Cut inside the file's bytes, before them, and after them (the closing boundary missing).
    for (const tail of [whole.subarray(0, 4), Buffer.alloc(0), Buffer.concat([whole, Buffer.from("\r\n--x")])]) {
      const res = await postMultipart(server.url, alice.token, Buffer.concat([filePart("a"), tail]));
      expect([res.status, res.body?.error?.code]).toEqual([400, "MALFORMED_REQUEST"]);
    }
    expect(await store.blobKeys()).toEqual([]);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it("decodes a multipart file name as UTF-8, and drops C1 controls from it", async () => {
    const bytes = png(3, 3, 600, 41);
    const body = Buffer.concat([filePart("café\u0085\u009b.png"), bytes, Buffer.from("\r\n--x--\r\n")]);
    const res = await postMultipart(server.url, alice.token, body);
    expect(res.status).toBe(201);
    const got = await fetchContent(server.url, res.body.upload.url, { token: alice.token });
    expect(got.headers.get("content-disposition")).toBe(
      `inline; filename="caf_.png"; filename*=UTF-8''${encodeURIComponent("café.png")}`,
    );
  });

  it("checks every GIF frame against the limits, and refuses images cut short", async () => {
    const giant = await upload(server.url, alice.token, gif({ frameWidth: 65535, frameHeight: 65535 }), "image/gif");
    expect([giant.status, giant.body.error.code]).toEqual([400, "IMAGE_TOO_LARGE"]);
    const whole = png(3, 3, 400, 42);
    const cut = [whole.subarray(0, 33), whole.subarray(0, whole.length - 12), gif().subarray(0, -1)];
    for (const bytes of cut) {
      const res = await upload(server.url, alice.token, bytes);
      expect([res.status, res.body.error.code]).toEqual([415, "UNSUPPORTED_MEDIA_TYPE"]);
    }
    const trailing = await upload(server.url, alice.token, Buffer.concat([whole, Buffer.from("<script>")]));
    expect(trailing.status).toBe(415);
    const fine = await upload(server.url, alice.token, gif({ width: 2, height: 2 }), "image/gif");
    expect([fine.status, fine.body.upload?.width]).toEqual([201, 2]);
  });
});
