import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type ServerOptions, WebSocket, WebSocketServer } from "ws";
import { SharedEncoding } from "../events/encoded-events.js";
import { trackedMessageJson, trackedMessagePrefix, writeSplicedTrackedFrame } from "./event-encoder.js";
import { guardedWebSocketClass, sendTextFrame } from "./guarded-socket.js";
import { textFrame } from "./text-frame.js";

let server: WebSocketServer | undefined;

afterEach(async () => {
  for (const client of server?.clients ?? []) client.terminate();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A guarded server socket and a client peer reading every message it gets. */
async function connect(options: Pick<ServerOptions, "perMessageDeflate">) {
  const stats = { maxBufferedBytes: 0, slowReadersDropped: 0, rateLimited: 0, deliveries: 0 };
  const WebSocketClass = guardedWebSocketClass({
    maxBufferedBytes: 1 << 20,
    messagesPerSecond: 100,
    messageBurst: 100,
    stats,
    onClosed: () => {},
  });
  server = new WebSocketServer({ port: 0, host: "127.0.0.1", WebSocket: WebSocketClass, ...options });
  await once(server, "listening");
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const received: string[] = [];
  client.on("message", (data) => received.push(data.toString()));
  const [socket] = (await once(server, "connection")) as [WebSocket];
  await once(client, "open");
  // The client's TCP socket: paused, it stops reading, as a slow peer does.
  const tcp = (client as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  return { socket, received, tcp };
}

it("sends a frame built beforehand as the text message it holds", async () => {
  const { socket, received } = await connect({ perMessageDeflate: false });
  sendTextFrame(socket, textFrame("hello"));
  await expect.poll(() => received).toEqual(["hello"]);
});

it("keeps messages in order on a compressed connection, where ws sends asynchronously", async () => {
  const { socket, received } = await connect({ perMessageDeflate: { threshold: 0 } });
  const large = "compress me ".repeat(20_000);
  socket.send(large);
  sendTextFrame(socket, textFrame("after"));
  await expect.poll(() => received.length).toBe(2);
  expect(received).toEqual([large, "after"]);
});

// An inbox entry's frame is reused for the next member when the socket took it whole
// (`sendTextFrame` true: Node's stream holds none of it, `writableLength` 0 after the write).
// A frame Node still queues must reach the peer as it was when written, however the next
// members' frames are filled.
describe("inbox entry frames reused between writes", () => {
  const shared = new SharedEncoding(
    '{"type":"message.created","preview":"hi","seq":',
    ',"at":"2026-12-07T00:00:00.000Z"}',
  );
  const texts = (seqs: number[]) => seqs.map((seq) => trackedMessageJson(7, undefined, String(seq), shared.json(seq)));
  const prefix = trackedMessagePrefix(7, undefined);

  it("sends each member's entry as its own message when each is written at once", async () => {
    const { socket, received } = await connect({ perMessageDeflate: false });
    const seqs = [10, 11, 12, 13];
    for (const seq of seqs) writeSplicedTrackedFrame(prefix, String(seq), shared, socket, sendTextFrame);
    await expect.poll(() => received.length).toBe(seqs.length);
    expect(received).toEqual(texts(seqs));
  });

  it("says a frame is not taken whole while Node's stream queues it (corked)", async () => {
    const { socket, received } = await connect({ perMessageDeflate: false });
    const queue = (socket as unknown as { _socket: { cork(): void; uncork(): void } })._socket;
    queue.cork();
    expect(sendTextFrame(socket, textFrame("queued"))).toBe(false);
    for (const seq of [20, 21, 22]) writeSplicedTrackedFrame(prefix, String(seq), shared, socket, sendTextFrame);
    queue.uncork();
    await expect.poll(() => received.length).toBe(4);
    expect(received).toEqual(["queued", ...texts([20, 21, 22])]);
  });

  it("keeps frames queued behind a peer that stops reading as they were written", async () => {
    const { socket, received, tcp } = await connect({ perMessageDeflate: false });
    tcp.pause();
    const big = new SharedEncoding(`{"preview":"${"x".repeat(60_000)}","seq":`, "}");
    const seqs: number[] = [];
    let queued = 0;
    for (let seq = 100; queued < 3 && seq < 2_000; seq++) {
      seqs.push(seq);
      writeSplicedTrackedFrame(prefix, String(seq), big, socket, (to, frame) => {
        const taken = sendTextFrame(to, frame);
        if (!taken) queued += 1;
        return taken;
      });
    }
    expect(queued).toBe(3);
    tcp.resume();
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(seqs.length);
    expect(received).toEqual(seqs.map((seq) => trackedMessageJson(7, undefined, String(seq), big.json(seq))));
  });
});
