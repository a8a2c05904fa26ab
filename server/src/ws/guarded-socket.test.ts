import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { type ServerOptions, WebSocket, WebSocketServer } from "ws";
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
  return { socket, received };
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
