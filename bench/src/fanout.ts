/**
 * Fan-out: N subscribers watch one room over real WebSockets on loopback while messages are
 * sent, first through natter (tRPC WebSocket clients subscribed to `rooms.events`, messages
 * sent over REST by a few concurrent senders), then through a bare `ws` server that
 * broadcasts frames of the same shape and size to the same number of plain `ws` clients.
 * Prints delivered events per second, send-to-receive p50/p99, and natter/bare ratios.
 *
 * Each server runs in its own child process (the subscribers and senders share this one),
 * so a server's event loop is not also the clients'. Bounded in count and time; loopback only.
 *
 *   pnpm --filter @natter/bench fanout
 *   FANOUT_SUBSCRIBERS=100,1000 FANOUT_MESSAGES=300 FANOUT_SENDERS=4 pnpm --filter @natter/bench fanout
 */
import { type ChildProcess, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AppRouter, loadConfig, startNatterServer } from "@natter/server";
import type { RoomEvent } from "@natter/shared";
import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import WebSocket, { WebSocketServer } from "ws";
import { fixed, percentile } from "./stats.js";

const SUBSCRIBER_COUNTS = (process.env.FANOUT_SUBSCRIBERS ?? "100,1000").split(",").map(Number);
/** Messages per run; by default fewer with more subscribers, so every run delivers a similar count. */
const MESSAGES = process.env.FANOUT_MESSAGES ? Number(process.env.FANOUT_MESSAGES) : undefined;
const SENDERS = Number(process.env.FANOUT_SENDERS ?? 4);
/** A run that has not delivered everything by then stops and reports what it delivered. */
const RUN_DEADLINE_MS = 60_000;
const CONNECT_BATCH = 100;
/** Bodies of a typical chat line, each starting with `#<index> ` so receivers can time it. */
const FILLER = " the quick brown fox jumps over the lazy dog while the team ships the next release";

// ---------------------------------------------------------------------------------------
// Children: the servers under test.

type ToChild = { type: "stats" } | { type: "stop" };
type FromChild = { type: "ready"; url: string } | { type: "stats"; stats: unknown };

async function serveNatter(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "natter-fanout-"));
  const server = await startNatterServer({
    config: loadConfig({ port: 0, databaseUrl: join(dir, "bench.db"), logLevel: "silent" }, {}),
  });
  serveChild(
    server.url,
    () => server.webSocketStats(),
    async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  );
}

/** Broadcasts every frame a publisher sends to every subscriber, then acknowledges it. */
async function serveBare(): Promise<void> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise((resolve) => wss.once("listening", resolve));
  const subscribers = new Set<WebSocket>();
  wss.on("connection", (ws, req) => {
    if (req.url === "/publish") {
      ws.on("message", (data) => {
        for (const subscriber of subscribers) subscriber.send(data, { binary: false });
        ws.send("ack");
      });
      return;
    }
    subscribers.add(ws);
    ws.once("close", () => subscribers.delete(ws));
  });
  const { port } = wss.address() as { port: number };
  serveChild(
    `http://127.0.0.1:${port}`,
    () => ({ subscribers: subscribers.size }),
    async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  );
}

function serveChild(url: string, stats: () => unknown, stop: () => Promise<void>): void {
  const send = (message: FromChild) => process.send?.(message);
  process.on("message", (message: ToChild) => {
    if (message.type === "stats") send({ type: "stats", stats: stats() });
    if (message.type === "stop") stop().then(() => process.exit(0));
  });
  send({ type: "ready", url });
}

/** A server under test, in a child process. */
class ServerProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static start(role: "natter" | "bare"): Promise<ServerProcess> {
    // The child inherits tsx's loader through execArgv.
    const child = fork(fileURLToPath(import.meta.url), [`serve-${role}`], { stdio: "inherit" });
    return new Promise((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (code) => reject(new Error(`${role} server exited with ${code}`)));
      child.once("message", (message: FromChild) => {
        if (message.type === "ready") resolve(new ServerProcess(child, message.url));
      });
    });
  }

  stats(): Promise<unknown> {
    return new Promise((resolve) => {
      this.child.once("message", (message: FromChild) => {
        if (message.type === "stats") resolve(message.stats);
      });
      this.child.send({ type: "stats" } satisfies ToChild);
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.child.removeAllListeners("exit");
      this.child.once("exit", () => resolve());
      this.child.send({ type: "stop" } satisfies ToChild);
    });
  }
}

// ---------------------------------------------------------------------------------------
// The measuring side: subscribers and senders, in this process.

/** What the subscribers of one run have received. */
class Deliveries {
  readonly sentAt: number[] = [];
  latencies: number[] = [];
  delivered = 0;
  firstSend = 0;
  lastReceive = 0;
  /** Subscribers that have heard anything, to know when all are live. */
  readonly heard = new Set<number>();
  measuring = false;

  /** Records a message body's arrival at one subscriber. */
  receive(subscriber: number, body: string): void {
    this.heard.add(subscriber);
    if (!this.measuring || !body.startsWith("#")) return;
    const now = performance.now();
    const sentAt = this.sentAt[Number.parseInt(body.slice(1), 10)];
    if (sentAt === undefined) return;
    this.latencies.push(now - sentAt);
    this.delivered += 1;
    this.lastReceive = now;
  }

  result(label: string, subscribers: number, messages: number) {
    const sorted = this.latencies.sort((a, b) => a - b);
    const seconds = (this.lastReceive - this.firstSend) / 1000;
    return {
      label,
      subscribers,
      messages,
      expected: subscribers * messages,
      delivered: this.delivered,
      eventsPerSecond: this.delivered / seconds,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
    };
  }
}
type RunResult = ReturnType<Deliveries["result"]>;

/** Sends `messages` bodies with `SENDERS` concurrent senders, each waiting for its previous send. */
async function sendAll(deliveries: Deliveries, messages: number, send: (body: string) => Promise<void>) {
  let next = 0;
  deliveries.measuring = true;
  deliveries.firstSend = performance.now();
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < messages) {
        const index = next++;
        deliveries.sentAt[index] = performance.now();
        await send(`#${index}${FILLER}`);
      }
    }),
  );
}

async function waitUntil(condition: () => boolean, deadline: number): Promise<boolean> {
  while (!condition()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/** Sends warm-up messages until every subscriber has heard one: then all are live. */
async function warmUp(deliveries: Deliveries, subscribers: number, send: (body: string) => Promise<void>) {
  const deadline = performance.now() + RUN_DEADLINE_MS;
  while (deliveries.heard.size < subscribers) {
    if (performance.now() > deadline)
      throw new Error(`only ${deliveries.heard.size} of ${subscribers} subscribers live`);
    await send(`warm-up${FILLER}`);
    await waitUntil(() => deliveries.heard.size === subscribers, performance.now() + 500);
  }
}

async function rest(url: string, path: string, body: unknown, token?: string) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as any;
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(answer)}`);
  return answer;
}

async function runNatter(subscribers: number, messages: number): Promise<RunResult & { serverStats: unknown }> {
  const server = await ServerProcess.start("natter");
  const wsUrl = `${server.url.replace(/^http/, "ws")}/trpc`;
  const owner = await rest(server.url, "/users", { username: `fanout_${subscribers}`, password: "bench password" });
  const { room } = await rest(server.url, "/rooms", { name: "fan-out", open: true }, owner.token);
  const deliveries = new Deliveries();
  const sockets: Array<ReturnType<typeof createWSClient>> = [];

  for (let start = 0; start < subscribers; start += CONNECT_BATCH) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, subscribers - start) }, (_, i) => start + i);
    await Promise.all(
      batch.map(
        (subscriber) =>
          new Promise<void>((resolve, reject) => {
            const socket = createWSClient({
              url: wsUrl,
              WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
            });
            sockets.push(socket);
            const client = createTRPCClient<AppRouter>({ links: [wsLink({ client: socket })] });
            client.rooms.events.subscribe(
              { roomId: room.id },
              {
                onStarted: () => resolve(),
                onData: ({ data }: { data: RoomEvent }) => {
                  if (data.type === "message.created") deliveries.receive(subscriber, data.message.body ?? "");
                },
                onError: reject,
              },
            );
          }),
      ),
    );
  }

  const send = async (body: string) => {
    await rest(server.url, `/rooms/${room.id}/messages`, { body }, owner.token);
  };
  try {
    await warmUp(deliveries, subscribers, send);
    await sendAll(deliveries, messages, send);
    await waitUntil(() => deliveries.delivered === subscribers * messages, performance.now() + RUN_DEADLINE_MS);
    return { ...deliveries.result("natter", subscribers, messages), serverStats: await server.stats() };
  } finally {
    await Promise.all(sockets.map((socket) => socket.close()));
    await server.stop();
  }
}

/** A frame shaped and sized like natter's tRPC frame of a `message.created` event. */
function bareFrame(body: string, seq: number): string {
  const id = "0198f0c2-6b1e-7a3c-9d4e-5f6a7b8c9d0e";
  const at = new Date().toISOString();
  const message = {
    id,
    roomId: id,
    seq,
    authorId: id,
    body,
    replyToId: null,
    createdAt: at,
    editedAt: null,
    deletedAt: null,
  };
  const event = { type: "message.created", message, roomId: id, seq, at, actorId: id };
  return JSON.stringify({ id: 1, result: { type: "data", id: String(seq), data: { id: String(seq), data: event } } });
}

async function runBare(subscribers: number, messages: number): Promise<RunResult> {
  const server = await ServerProcess.start("bare");
  const wsUrl = server.url.replace(/^http/, "ws");
  const deliveries = new Deliveries();
  const sockets: WebSocket[] = [];

  const open = (path: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`${wsUrl}${path}`);
      sockets.push(ws);
      ws.once("open", () => resolve(ws));
      ws.once("error", reject);
    });
  for (let start = 0; start < subscribers; start += CONNECT_BATCH) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH, subscribers - start) }, (_, i) => start + i);
    await Promise.all(
      batch.map(async (subscriber) => {
        const ws = await open("/subscribe");
        ws.on("message", (data) => {
          const frame = JSON.parse(data.toString());
          deliveries.receive(subscriber, frame.result.data.data.message.body);
        });
      }),
    );
  }

  // One publishing socket per sender, each waiting for the server's ack, as natter's senders
  // wait for their HTTP answer.
  const publishers = await Promise.all(Array.from({ length: SENDERS }, () => open("/publish")));
  let seq = 0;
  let turn = 0;
  const send = (body: string) => {
    const publisher = publishers[turn++ % publishers.length] as WebSocket;
    return new Promise<void>((resolve) => {
      publisher.once("message", () => resolve());
      publisher.send(bareFrame(body, ++seq));
    });
  };
  try {
    await warmUp(deliveries, subscribers, send);
    await sendAll(deliveries, messages, send);
    await waitUntil(() => deliveries.delivered === subscribers * messages, performance.now() + RUN_DEADLINE_MS);
    return deliveries.result("bare ws", subscribers, messages);
  } finally {
    for (const socket of sockets) socket.terminate();
    await server.stop();
  }
}

function row(result: RunResult): string {
  const complete =
    result.delivered === result.expected ? "" : `  (delivered ${result.delivered} of ${result.expected})`;
  return `  ${result.label.padEnd(8)} ${fixed(result.eventsPerSecond, 0).padStart(9)} events/s   p50 ${fixed(result.p50).padStart(8)} ms   p99 ${fixed(result.p99).padStart(8)} ms${complete}`;
}

async function main(): Promise<void> {
  console.log(`fan-out over loopback WebSockets, ${SENDERS} concurrent senders, node ${process.version}`);
  for (const subscribers of SUBSCRIBER_COUNTS) {
    const messages = MESSAGES ?? Math.max(50, Math.round(100_000 / subscribers));
    const natter = await runNatter(subscribers, messages);
    const bare = await runBare(subscribers, messages);
    console.log(`\n${subscribers} subscribers, ${messages} messages (${subscribers * messages} deliveries each)`);
    console.log(row(natter));
    console.log(row(bare));
    console.log(
      `  natter/bare: throughput ${fixed(natter.eventsPerSecond / bare.eventsPerSecond, 3)}, ` +
        `p50 ${fixed(natter.p50 / bare.p50, 1)}x, p99 ${fixed(natter.p99 / bare.p99, 1)}x`,
    );
    console.log(`  natter server WebSocket stats: ${JSON.stringify(natter.serverStats)}`);
  }
}

const role = process.argv[2];
if (role === "serve-natter") await serveNatter();
else if (role === "serve-bare") await serveBare();
else await main();
