import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { type Clock, type ConfigInput, createLogger, loadConfig, type NatterServer, startNatterServer } from "natter";

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
  /** Receives every log line at `warn` level and above, as pino writes it (JSON). */
  logLines?: string[];
  /** A directory of the caller's for the database, kept after `stop()` (to start again on it); a fresh one by default. */
  dir?: string;
}

/** Starts a server for one test file; call `stop()` in `afterAll`. */
export async function startTestServer({
  clock,
  config = {},
  logLines,
  dir: ownDir,
}: TestServerOptions = {}): Promise<TestServer> {
  const dir = ownDir ?? mkdtempSync(join(tmpdir(), "natter-test-"));
  const databasePath = join(dir, "natter.db");
  const server = await startNatterServer({
    config: loadConfig({ port: 0, host: "127.0.0.1", databaseUrl: databasePath, logLevel: "silent", ...config }, {}),
    ...(clock && { clock }),
    ...(logLines && { logger: createLogger("warn", linesSink(logLines)) }),
  });
  return {
    ...server,
    databasePath,
    async stop() {
      await server.close();
      if (!ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function linesSink(lines: string[]): Writable {
  return new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
}
