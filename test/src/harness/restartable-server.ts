import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type NatterServer, startNatterServer } from "natter";
import { createTestDatabase, type TestDatabase } from "./test-database.js";
import { testServerConfig } from "./test-server.js";

/** A server that stops and starts again on the same database and port, as across a deploy. */
export interface RestartableServer {
  /** The base URL, the same across restarts. */
  readonly url: string;
  readonly port: number;
  /** Stops the server; clients see the connection drop. */
  close(): Promise<void>;
  /** Starts it again, on the same database and port. */
  start(): Promise<void>;
  /** Stops it and deletes its database and files. */
  dispose(): Promise<void>;
}

/** Starts a server on a free loopback port that a test may stop and start again. */
export async function startRestartableServer(): Promise<RestartableServer> {
  const dir = mkdtempSync(join(tmpdir(), "natter-restart-"));
  const database: TestDatabase = await createTestDatabase(dir);
  const start = (port: number) =>
    startNatterServer({ config: loadConfig(testServerConfig(database, dir, { port }), {}) });
  let server: NatterServer | undefined = await start(0);
  const url = server.url;
  const port = Number(new URL(url).port);
  return {
    url,
    port,
    async close() {
      await server?.close();
      server = undefined;
    },
    async start() {
      server = await start(port);
    },
    async dispose() {
      await server?.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
