import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { GuardedPoster } from "./guarded-post.js";
import { OutboundUrlPolicy } from "./outbound-url-policy.js";

/*
 * The guarded poster steps around node:http for undici's dispatch: these hold it to what the
 * outboxes rely on, against real local receivers: the answer as sent (status, body, headers,
 * Retry-After), no redirect followed, the policy's lookup on every connection, the 64 KB read
 * limit, the whole-attempt timeout and the stop signal.
 */

const servers: Server[] = [];
const posters: GuardedPoster[] = [];

afterEach(async () => {
  for (const poster of posters.splice(0)) poster.close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** The sender's end of the connection. */
  remotePort: number | undefined;
}

/** A receiver on loopback answering with `answer`; what it received, and its port. */
async function receiver(answer: (res: ServerResponse) => void) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        remotePort: req.socket.remotePort,
      });
      answer(res);
    });
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { received, port: (server.address() as AddressInfo).port };
}

function poster({ allowPrivate = true, timeoutMs = 10_000 } = {}): GuardedPoster {
  const made = new GuardedPoster(new OutboundUrlPolicy(allowPrivate), timeoutMs);
  posters.push(made);
  return made;
}

const headers = { "content-type": "application/json", "webhook-id": "msg_1" };

it("posts the body and headers, and answers the status, Retry-After and the first 1 KB of the answer", async () => {
  const { received, port } = await receiver((res) =>
    res.writeHead(503, { "retry-after": "7" }).end(`${"x".repeat(1500)}`),
  );
  const body = JSON.stringify({ type: "message.created", data: { text: "héllo" } });
  const outcome = await poster().post({ url: `http://127.0.0.1:${port}/hook?a=1`, headers, body });
  expect(outcome).toMatchObject({ statusCode: 503, error: null, retryAfterMs: 7000, response: "x".repeat(1024) });
  expect(received).toEqual([
    {
      method: "POST",
      url: "/hook?a=1",
      headers: expect.objectContaining({ ...headers, "content-length": String(Buffer.byteLength(body)) }),
      body,
      remotePort: expect.any(Number),
    },
  ]);
});

it("keeps connections to a receiver alive between attempts", async () => {
  const { received, port } = await receiver((res) => res.writeHead(204).end());
  const sender = poster();
  for (let i = 0; i < 6; i++) {
    const outcome = await sender.post({ url: `http://127.0.0.1:${port}/`, headers, body: Buffer.from("{}") });
    expect(outcome).toMatchObject({ statusCode: 204, response: null, error: null });
  }
  expect(received).toHaveLength(6);
  // undici may open a second connection while the first finishes its answer; not one per attempt.
  expect(new Set(received.map((request) => request.remotePort)).size).toBeLessThanOrEqual(2);
});

it("does not follow a redirect: the 3xx is the answer", async () => {
  const elsewhere = await receiver((res) => res.writeHead(200).end());
  const { port } = await receiver((res) =>
    res.writeHead(302, { location: `http://127.0.0.1:${elsewhere.port}/` }).end(),
  );
  const outcome = await poster().post({ url: `http://127.0.0.1:${port}/`, headers, body: "{}" });
  expect(outcome.statusCode).toBe(302);
  expect(elsewhere.received).toEqual([]);
});

it("refuses a name resolving to loopback at connect time, for good, before a byte is sent", async () => {
  const { received, port } = await receiver((res) => res.writeHead(200).end());
  const outcome = await poster({ allowPrivate: false }).post({ url: `http://localhost:${port}/`, headers, body: "{}" });
  expect(outcome).toMatchObject({ statusCode: null, permanent: true });
  expect(outcome.error).toMatch(/^ERR_WEBHOOK_ADDRESS_REFUSED: localhost resolves only to refused addresses/);
  const literal = await poster({ allowPrivate: false }).post({ url: `http://[::1]:${port}/`, headers, body: "{}" });
  expect(literal).toMatchObject({ statusCode: null, permanent: true, error: "refused address ::1" });
  expect(received).toEqual([]);
});

it("stops reading an answer at 64 KB and answers its status without waiting for the rest", async () => {
  const { port } = await receiver((res) => {
    res.writeHead(200);
    // 80 KB, then the answer never ends.
    res.write(Buffer.alloc(80 * 1024, "y"));
  });
  const outcome = await poster({ timeoutMs: 60_000 }).post({ url: `http://127.0.0.1:${port}/`, headers, body: "{}" });
  expect(outcome).toMatchObject({ statusCode: 200, error: null, response: "y".repeat(1024) });
});

it("ends an attempt with no answer within the timeout", async () => {
  const { received, port } = await receiver(() => {});
  const outcome = await poster({ timeoutMs: 300 }).post({ url: `http://127.0.0.1:${port}/`, headers, body: "{}" });
  expect(outcome).toMatchObject({ statusCode: null, error: "no answer within 300 ms" });
  expect(received).toHaveLength(1);
});

it("ends every attempt in flight when its stop signal fires", async () => {
  const { received, port } = await receiver(() => {});
  const stop = new AbortController();
  const sender = poster({ timeoutMs: 60_000 });
  const attempts = [1, 2].map(() =>
    sender.post({ url: `http://127.0.0.1:${port}/`, headers, body: "{}" }, stop.signal),
  );
  await expect.poll(() => received.length).toBe(2);
  stop.abort();
  for (const outcome of await Promise.all(attempts)) {
    expect(outcome).toMatchObject({ statusCode: null, error: "aborted: the server is stopping" });
  }
  const late = await sender.post({ url: `http://127.0.0.1:${port}/`, headers, body: "{}" }, stop.signal);
  expect(late.error).toBe("aborted: the server is stopping");
  expect(received).toHaveLength(2);
});
