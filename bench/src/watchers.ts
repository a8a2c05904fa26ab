/**
 * The watching side of the fan-out benches, in processes of their own: natter `rooms.events`
 * subscribers, Socket.IO room members, or bare `ws` sockets.
 *
 * A natter watcher speaks tRPC's WebSocket protocol over a bare `ws` socket, as `wsLink`
 * does on the wire (one subscription message, then a JSON frame per event), and parses each
 * frame as the bare `ws` watchers do theirs: the watchers share the machine's cores with the
 * server, and `@trpc/client`'s observables cost twice what a Socket.IO client does per
 * delivery, which would measure the client, not the server. `FANOUT_NATTER_CLIENT=trpc`
 * watches through `@trpc/client`'s `wsLink` instead (the SDK's own tests cover that client).
 */
import type { RoomEvent } from "@natter/shared";
import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import type { AppRouter } from "natter";
import { io as connectSocketIO } from "socket.io-client";
import WebSocket from "ws";
import { type BenchChild, epochMs, serveChild } from "./server-process.js";
import { percentile } from "./stats.js";

/** What a watcher subscribes with; the `durable` bare server speaks the bare `ws` servers' protocol. */
export type WatcherKind = "natter" | "socket.io" | "ws pre-framed" | "ws naive" | "durable";

/** Subscribers opened at once while connecting. */
const CONNECT_BATCH = 50;

export type WatcherCommand =
  | { type: "connect"; kind: WatcherKind; url: string; count: number; roomId?: string }
  | { type: "heard" }
  | { type: "measure" }
  | { type: "progress" }
  | { type: "result" };

/**
 * A watcher process: on `connect` it opens `count` subscribers of one kind, each recording
 * the send-to-receive latency of every measured message (bodies `#index@sentAtMs…`).
 */
export function runWatchers(): void {
  const heard = new Set<number>();
  let opened = 0;
  let measuring = false;
  let delivered = 0;
  let lastReceive = 0;
  let latencies: number[] = [];
  const closers: Array<() => void> = [];

  const receive = (subscriber: number, body: string) => {
    heard.add(subscriber);
    if (!measuring || !body.startsWith("#")) return;
    const now = epochMs();
    latencies.push(now - Number.parseFloat(body.slice(body.indexOf("@") + 1)));
    delivered += 1;
    lastReceive = now;
  };

  const open = (kind: WatcherKind, url: string, subscriber: number, roomId?: string): Promise<void> => {
    if (kind === "natter" && process.env.FANOUT_NATTER_CLIENT !== "trpc") {
      return new Promise((resolve, reject) => {
        const ws = new WebSocket(`${url.replace(/^http/, "ws")}/trpc`);
        closers.push(() => ws.terminate());
        ws.once("open", () =>
          ws.send(
            JSON.stringify({ id: 1, method: "subscription", params: { path: "rooms.events", input: { roomId } } }),
          ),
        );
        ws.on("message", (data) => {
          const text = data.toString();
          // The server's keep-alive, answered as tRPC's client does: a quiet watcher is cut off otherwise.
          if (text === "PING") return ws.send("PONG");
          const { result, error } = JSON.parse(text);
          if (error) return reject(new Error(JSON.stringify(error)));
          if (result?.type === "started") return resolve();
          const event = result?.data?.data as RoomEvent | undefined;
          if (event?.type === "message.created") receive(subscriber, event.message.body ?? "");
        });
        ws.once("error", reject);
      });
    }
    if (kind === "natter") {
      return new Promise((resolve, reject) => {
        const socket = createWSClient({
          url: `${url.replace(/^http/, "ws")}/trpc`,
          WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
        });
        closers.push(() => void socket.close());
        const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: socket })] });
        client.rooms.events.subscribe(
          { roomId: roomId as string },
          {
            onStarted: () => resolve(),
            onData: ({ data }: { data: RoomEvent }) => {
              if (data.type === "message.created") receive(subscriber, data.message.body ?? "");
            },
            onError: reject,
          },
        );
      });
    }
    if (kind === "socket.io") {
      return new Promise((resolve, reject) => {
        const socket = connectSocketIO(url, { transports: ["websocket"], forceNew: true, reconnection: false });
        closers.push(() => socket.close());
        socket.on("event", (event: RoomEvent) => {
          if (event.type === "message.created") receive(subscriber, event.message.body ?? "");
        });
        socket.once("connect", () => resolve());
        socket.once("connect_error", reject);
      });
    }
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${url.replace(/^http/, "ws")}/subscribe`);
      closers.push(() => ws.terminate());
      ws.on("message", (data) => {
        const frame = JSON.parse(data.toString());
        receive(subscriber, frame.result.data.data.message.body);
      });
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
  };

  serveChild(null, {
    command: async (command: WatcherCommand) => {
      switch (command.type) {
        case "connect":
          // Numbered over every connect of this process: one process may watch through several nodes.
          for (let start = 0; start < command.count; start += CONNECT_BATCH) {
            const size = Math.min(CONNECT_BATCH, command.count - start);
            const batch = Array.from({ length: size }, () => opened++);
            await Promise.all(batch.map((i) => open(command.kind, command.url, i, command.roomId)));
          }
          return true;
        case "heard":
          return heard.size;
        case "measure":
          measuring = true;
          latencies = [];
          delivered = 0;
          return true;
        case "progress":
          return delivered;
        case "result":
          return { delivered, lastReceive, latencies };
      }
    },
    stop: async () => {
      for (const close of closers) close();
    },
  });
}

/**
 * What the watcher processes received in a measured run that started sending at
 * `firstSend` (epoch ms): deliveries, deliveries per second up to the last receive, and the
 * send-to-receive p50/p99 over all of them.
 */
export async function deliveryTotals(watchers: readonly BenchChild[], firstSend: number) {
  const results = await Promise.all(
    watchers.map((w) => w.command<{ delivered: number; lastReceive: number; latencies: number[] }>({ type: "result" })),
  );
  const delivered = results.reduce((total, r) => total + r.delivered, 0);
  const lastReceive = Math.max(...results.map((r) => r.lastReceive));
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  return {
    delivered,
    deliveriesPerSecond: delivered / ((lastReceive - firstSend) / 1000),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
  };
}
