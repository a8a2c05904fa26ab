import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type BlobStoreFixture,
  signUp,
  startBlobStore,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../harness/index.js";
import { png } from "../uploads/images.js";

const HEADERS_TIMEOUT_MS = 1000;
const REQUEST_TIMEOUT_MS = 2500;
const IDLE_TIMEOUT_MS = 1500;
const WAIT = { timeout: 15_000, interval: 25 };

/** A plain TCP connection to the server that records what comes back and when it is closed. */
interface Wire {
  socket: Socket;
  /** Everything received so far, as latin1 text. */
  received(): string;
  /** Resolves with the milliseconds from connecting until the server ended the connection. */
  closed: Promise<number>;
  write(text: string | Buffer): Promise<void>;
}

function openWire(url: string): Promise<Wire> {
  const { hostname, port } = new URL(url);
  const started = performance.now();
  const socket = connect(Number(port), hostname);
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  // A reset is an end too: the test only asks whether the server let go.
  socket.on("error", () => {});
  const closed = new Promise<number>((resolve) => socket.on("close", () => resolve(performance.now() - started)));
  const wire: Wire = {
    socket,
    received: () => Buffer.concat(chunks).toString("latin1"),
    closed,
    write: (text) =>
      new Promise((resolve, reject) => socket.write(text, (error) => (error ? reject(error) : resolve()))),
  };
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(wire));
    socket.once("error", reject);
  });
}

/** Writes `bytes` a few at a time every `everyMs` until the socket closes. */
function trickle(wire: Wire, bytes: Buffer, step: number, everyMs: number): void {
  let at = 0;
  const timer = setInterval(() => {
    if (wire.socket.destroyed || at >= bytes.length) {
      clearInterval(timer);
      return;
    }
    wire.socket.write(bytes.subarray(at, at + step));
    at += step;
  }, everyMs);
  wire.socket.once("close", () => clearInterval(timer));
}

/** The connections the server holds open right now (each one a descriptor). */
function openConnections(server: TestServer): Promise<number> {
  return new Promise((resolve, reject) =>
    server.httpServer.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

/** Reads one whole response (with a Content-Length) off a keep-alive wire, from `from` on. */
async function responseOn(wire: Wire, from = 0): Promise<{ status: number; body: string; end: number }> {
  let parsed: { status: number; body: string; end: number } | undefined;
  await vi.waitFor(() => {
    const text = wire.received().slice(from);
    const split = text.indexOf("\r\n\r\n");
    expect(split).toBeGreaterThan(-1);
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(text.slice(0, split))?.[1] ?? 0);
    expect(text.length).toBeGreaterThanOrEqual(split + 4 + length);
    parsed = {
      status: Number(text.slice(9, 12)),
      body: text.slice(split + 4, split + 4 + length),
      end: from + split + 4 + length,
    };
  }, WAIT);
  return parsed as { status: number; body: string; end: number };
}

describe("slow clients", () => {
  let store: BlobStoreFixture;
  let server: TestServer;
  let alice: TestUser;
  const wires: Wire[] = [];
  const wire = async () => {
    const opened = await openWire(server.url);
    wires.push(opened);
    return opened;
  };
  const uploadHead = (length: number, connection = "keep-alive") =>
    `POST /api/v1/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${alice.token}\r\n` +
    `Content-Type: image/png\r\nContent-Length: ${length}\r\nConnection: ${connection}\r\n\r\n`;

  beforeAll(async () => {
    store = await startBlobStore("directory");
    server = await startTestServer({
      config: {
        ...store.config,
        httpHeadersTimeoutMs: HEADERS_TIMEOUT_MS,
        httpRequestTimeoutMs: REQUEST_TIMEOUT_MS,
        uploadIdleTimeoutMs: IDLE_TIMEOUT_MS,
      },
    });
    alice = await signUp(server.url);
    // The sign-up's own keep-alive connection is not one of the slow clients counted below.
    await vi.waitFor(async () => expect(await openConnections(server)).toBe(0), WAIT);
  });
  afterAll(async () => {
    for (const open of wires) open.socket.destroy();
    await server?.stop();
    await store?.stop();
  });

  it("answers 408 to headers that never finish (slowloris) and lets go of the connection", async () => {
    const slow = await wire();
    await slow.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    // One more header line every 200 ms: the connection is never idle, the headers never end.
    trickle(slow, Buffer.from("X-Slow: 1\r\n".repeat(100)), 11, 200);
    const after = await slow.closed;
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 /);
    // The headers timeout plus at most one check interval (1 s), and some slack for a busy machine.
    expect(after).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expect(after).toBeLessThan(HEADERS_TIMEOUT_MS + 1000 + 2000);
    await vi.waitFor(async () => expect(await openConnections(server)).toBe(0), WAIT);
  });

  it("cuts off an upload body trickled past the request timeout, keeping no file and no connection", async () => {
    const bytes = png(8, 8, 6000, 1);
    const slow = await wire();
    await slow.write(uploadHead(bytes.length));
    // 20 bytes every 250 ms: never idle for the upload's idle timeout, but 75 s for the whole body.
    trickle(slow, bytes, 20, 250);
    await vi.waitFor(async () => expect(await store.partials()).toHaveLength(1), WAIT);
    const after = await slow.closed;
    expect(after).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
    expect(after).toBeLessThan(REQUEST_TIMEOUT_MS + 1000 + 2000);
    await vi.waitFor(async () => expect(await store.partials()).toEqual([]), WAIT);
    await vi.waitFor(async () => expect(await openConnections(server)).toBe(0), WAIT);
  });

  it("closes a connection whose upload was refused before its body ended, instead of reusing it", async () => {
    const refused = await wire();
    const garbage = Buffer.alloc(64 * 1024, 7);
    await refused.write(uploadHead(garbage.length));
    await refused.write(garbage.subarray(0, 1024));
    // Not an image: refused at its first bytes, while the rest is still to come.
    const answer = await responseOn(refused);
    expect(answer.status).toBe(415);
    expect(refused.received()).toMatch(/\r\nconnection: close\r\n/i);
    await refused.closed;
    await vi.waitFor(async () => expect(await openConnections(server)).toBe(0), WAIT);
  });

  it("never cuts a later answer on the same connection with an upload's idle timeout", async () => {
    const bytes = png(256, 256, 4 * 1024 * 1024, 2);
    const reused = await wire();
    await reused.write(uploadHead(bytes.length));
    await reused.write(bytes);
    const stored = await responseOn(reused);
    expect(stored.status).toBe(201);
    const { url } = JSON.parse(stored.body).upload as { url: string };
    // The same connection asks for the 4 MiB back and reads none of it for twice the upload idle timeout.
    reused.socket.pause();
    await reused.write(`GET ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${alice.token}\r\n\r\n`);
    // The pause is the client's behaviour under test, not a wait for an event.
    await sleep(2 * IDLE_TIMEOUT_MS);
    expect(reused.socket.destroyed).toBe(false);
    reused.socket.resume();
    const content = await responseOn(reused, stored.end);
    expect(content.status).toBe(200);
    expect(Buffer.from(content.body, "latin1").equals(bytes)).toBe(true);
    reused.socket.destroy();
  });
});
