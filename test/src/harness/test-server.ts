import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Clock, type ConfigInput, loadConfig, type NatterServer, startNatterServer } from "@natter/server";

/** A real natter server on an ephemeral loopback port with its own SQLite file. */
export interface TestServer extends NatterServer {
  /** The SQLite file the server writes. */
  databasePath: string;
  /** Closes the server and deletes its files. */
  stop(): Promise<void>;
}

export interface TestServerOptions {
  clock?: Clock;
  config?: ConfigInput;
}

/** Starts a server for one test file; call `stop()` in `afterAll`. */
export async function startTestServer({ clock, config = {} }: TestServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "natter-test-"));
  const databasePath = join(dir, "natter.db");
  const server = await startNatterServer({
    config: loadConfig({ port: 0, host: "127.0.0.1", databaseUrl: databasePath, logLevel: "silent", ...config }, {}),
    ...(clock && { clock }),
  });
  return {
    ...server,
    databasePath,
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
