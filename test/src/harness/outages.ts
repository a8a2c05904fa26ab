import { type ChildProcess, spawn } from "node:child_process";
import { connect, createServer, type Server, type Socket } from "node:net";
import { freePort } from "./cli-server.js";

/**
 * A redis-server of one test's own, on a port of its own: killed, frozen and started again
 * without touching the shared Redis other tests and lanes use.
 */
export interface OwnRedis {
  url: string;
  /** Ends the server at once (SIGKILL), as a crash does; `start()` brings it back on the same port. */
  kill(): Promise<void>;
  /** Starts the server again (empty: it keeps nothing on disk). */
  start(): Promise<void>;
  /** Stops the process (SIGSTOP): connections stay open and nothing is answered. */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const process = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = process;
    await new Promise<void>((resolve, reject) => {
      let output = "";
      process.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) resolve();
      });
      process.once("error", reject);
      process.once("exit", (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
    });
  };
  const kill = async () => {
    const process = child;
    child = undefined;
    if (!process || process.exitCode !== null) return;
    const exited = new Promise((resolve) => process.once("exit", resolve));
    process.kill("SIGCONT");
    process.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    freeze: () => child?.kill("SIGSTOP"),
    thaw: () => child?.kill("SIGCONT"),
    stop: kill,
  };
}

/**
 * A TCP proxy in front of a server (PostgreSQL), whose link can be cut: `cut()` drops every
 * connection through it and refuses new ones, as a database that went down does; `restore()`
 * takes connections again on the same port.
 */
export interface CuttableProxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startCuttableProxy(targetHost: string, targetPort: number): Promise<CuttableProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      next.once("error", reject);
      next.listen(port, "127.0.0.1", () => {
        server = next;
        port = (next.address() as { port: number }).port;
        resolve();
      });
    });
  const cut = async () => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (closing) await new Promise((resolve) => closing.close(resolve));
  };
  await listen();
  return { port, cut, restore: listen, close: cut };
}
