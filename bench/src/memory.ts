/**
 * Server memory per idle watcher socket: natter with N WebSockets, each holding one live
 * `rooms.events` subscription and otherwise quiet, against a bare `ws` server with N idle
 * sockets. Each server runs alone in its own process and is measured after a full GC,
 * before and after the sockets connect (after a warm-up round of sockets opened and closed):
 * RSS and heap growth divided by N. The server is natter as built (`dist/`), as it runs.
 *
 *   npm run bench:memory
 *   MEMORY_SOCKETS=1000 MEMORY_REPS=3 npm run bench:memory
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createTRPCClient, createWSClient, wsLink } from "@trpc/client";
import { type AppRouter, loadConfig, startNatterServer } from "natter";
import WebSocket, { WebSocketServer } from "ws";
import { BenchChild, serveChild } from "./server-process.js";
import { fixed, median } from "./stats.js";

const SOCKETS = Number(process.env.MEMORY_SOCKETS ?? 1000);
const REPS = Number(process.env.MEMORY_REPS ?? 3);
const CONNECT_BATCH = 50;
const WARM_UP_SOCKETS = 100;
const MODULE = import.meta.url;

/** Memory after a full collection, as the parent asks for it. */
function measured() {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heap: heapUsed + external + arrayBuffers };
}

async function serveNatter(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "natter-memory-"));
  const server = await startNatterServer({
    config: loadConfig({ port: 0, databaseUrl: join(dir, "bench.db"), logLevel: "silent", rateLimits: "off" }, {}),
  });
  serveChild(server.url, {
    command: measured,
    stop: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}

async function serveBare(): Promise<void> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await new Promise((resolve) => wss.once("listening", resolve));
  const { port } = wss.address() as { port: number };
  serveChild(`http://127.0.0.1:${port}`, {
    command: measured,
    stop: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  });
}

async function openNatterWatchers(url: string, count: number): Promise<() => void> {
  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
      body: JSON.stringify(body),
    });
    return (await res.json()) as any;
  };
  const { token } = await post("/users", { username: `memory_${count}`, password: "bench password" });
  const { room } = await post("/rooms", { name: "idle", open: true }, token);
  const sockets: Array<ReturnType<typeof createWSClient>> = [];
  for (let start = 0; start < count; start += CONNECT_BATCH) {
    await Promise.all(
      Array.from(
        { length: Math.min(CONNECT_BATCH, count - start) },
        () =>
          new Promise<void>((resolve, reject) => {
            const socket = createWSClient({
              url: `${url.replace(/^http/, "ws")}/trpc`,
              WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
            });
            sockets.push(socket);
            createTRPCClient<AppRouter>({ links: [wsLink({ client: socket })] }).rooms.events.subscribe(
              { roomId: room.id },
              { onStarted: () => resolve(), onError: reject },
            );
          }),
      ),
    );
  }
  return () => {
    for (const socket of sockets) void socket.close();
  };
}

async function openBareSockets(url: string, count: number): Promise<() => void> {
  const sockets: WebSocket[] = [];
  for (let start = 0; start < count; start += CONNECT_BATCH) {
    await Promise.all(
      Array.from(
        { length: Math.min(CONNECT_BATCH, count - start) },
        () =>
          new Promise<void>((resolve, reject) => {
            const ws = new WebSocket(url.replace(/^http/, "ws"));
            sockets.push(ws);
            ws.once("open", () => resolve());
            ws.once("error", reject);
          }),
      ),
    );
  }
  return () => {
    for (const ws of sockets) ws.terminate();
  };
}

type Kind = "natter" | "bare ws";

async function measure(kind: Kind) {
  const server = await BenchChild.start<string>(MODULE, [kind === "natter" ? "serve-natter" : "serve-bare"]);
  try {
    const open = kind === "natter" ? openNatterWatchers : openBareSockets;
    // A first few sockets, opened and closed, compile the code every socket runs: that code
    // is the server's once, not each socket's.
    (await open(server.info, WARM_UP_SOCKETS))();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = await server.command<{ rss: number; heap: number }>("measure");
    const close = await open(server.info, SOCKETS);
    // Let the handshakes' short-lived garbage settle before the collection.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await server.command<{ rss: number; heap: number }>("measure");
    close();
    return { rss: (after.rss - before.rss) / SOCKETS / 1024, heap: (after.heap - before.heap) / SOCKETS / 1024 };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  console.log(
    `memory per idle watcher socket: ${SOCKETS} sockets, ${REPS} interleaved repetitions, medians; ` +
      `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model}`,
  );
  const kinds: Kind[] = ["natter", "bare ws"];
  const runs = new Map<Kind, Array<{ rss: number; heap: number }>>(kinds.map((kind) => [kind, []]));
  for (let rep = 0; rep < REPS; rep += 1) {
    for (let i = 0; i < kinds.length; i += 1) {
      const kind = kinds[(i + rep) % kinds.length] as Kind;
      const result = await measure(kind);
      runs.get(kind)?.push(result);
      console.log(
        `  rep ${rep + 1} ${kind.padEnd(8)} RSS ${fixed(result.rss)} KB  heap ${fixed(result.heap)} KB per socket`,
      );
    }
  }
  const summary = (kind: Kind) => {
    const results = runs.get(kind) ?? [];
    return { rss: median(results.map((r) => r.rss)), heap: median(results.map((r) => r.heap)) };
  };
  const natter = summary("natter");
  const bare = summary("bare ws");
  console.log(`\n  natter   RSS ${fixed(natter.rss)} KB  heap ${fixed(natter.heap)} KB per socket (goal ≤ 6 KB)`);
  console.log(`  bare ws  RSS ${fixed(bare.rss)} KB  heap ${fixed(bare.heap)} KB per socket`);
  console.log(`  natter / bare ws: RSS ${fixed(natter.rss / bare.rss)}×, heap ${fixed(natter.heap / bare.heap)}×`);
}

const role = process.argv[2];
if (role === "serve-natter") await serveNatter();
else if (role === "serve-bare") await serveBare();
else await main();
