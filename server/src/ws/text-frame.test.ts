import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { textFrame } from "./text-frame.js";

let server: WebSocketServer | undefined;

afterEach(async () => {
  for (const client of server?.clients ?? []) client.terminate();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

it.each([
  ["a short message", 5],
  ["a message of 126 bytes and more (16-bit length)", 480],
  ["a message of 64 KiB and more (64-bit length)", 70_000],
])("frames %s as ws frames it: a peer reads the same text", async (_name, length) => {
  server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(server, "listening");
  const text = "é".repeat(Math.floor(length / 2)) + "x".repeat(length % 2);
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const [serverSide] = (await once(server, "connection")) as [WebSocket];
  await once(client, "open");
  const received = once(client, "message");
  const { frame, payload } = textFrame(text);
  (serverSide as unknown as { _socket: { write(data: Buffer): void } })._socket.write(frame);
  const [data, isBinary] = (await received) as [Buffer, boolean];
  expect(isBinary).toBe(false);
  expect(data.toString("utf8")).toBe(text);
  expect(payload.toString("utf8")).toBe(text);
  client.terminate();
});
