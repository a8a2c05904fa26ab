import { parseArgs } from "node:util";
import { migrateToLatest, openDatabase } from "@natter/db";
import { ConfigError, loadConfig } from "../config/config.js";
import { createLogger } from "../logger.js";
import { startNatterServer } from "../natter-server.js";

const USAGE = `Usage:
  natter serve [--port N] [--host H] [--db URL]   start the server (migrates first)
  natter migrate [--db URL]                       apply pending migrations and exit

--db takes a SQLite file path (default ./data/natter.db) or :memory:.
Every setting can also come from the environment: NATTER_PORT, NATTER_HOST,
NATTER_DATABASE_URL, NATTER_LOG_LEVEL, NATTER_SESSION_IDLE_TTL_SECONDS,
NATTER_SESSION_ABSOLUTE_TTL_SECONDS, NATTER_ALLOWED_ORIGINS, the log-in throttle
NATTER_LOGIN_MAX_FAILURES, NATTER_LOGIN_THROTTLE_WINDOW_SECONDS, and the WebSocket guards
NATTER_WS_PING_MS, NATTER_WS_PONG_WAIT_MS, NATTER_WS_MAX_BUFFERED_BYTES,
NATTER_WS_MESSAGES_PER_SECOND, NATTER_WS_MESSAGE_BURST, NATTER_WS_SESSION_CHECK_MS.`;

/** Runs the `natter` command line; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      db: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const config = loadConfig({ port: values.port, host: values.host, databaseUrl: values.db });
  const logger = createLogger(config.logLevel);

  if (command === "migrate") {
    const database = openDatabase(config.databaseUrl);
    try {
      const { applied } = await migrateToLatest(database.db);
      logger.info(
        { applied, database: config.databaseUrl },
        applied.length ? "migrations applied" : "already up to date",
      );
    } finally {
      await database.close();
    }
    return 0;
  }
  if (command === "serve") {
    const server = await startNatterServer({ config, logger });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        logger.info({ signal }, "shutting down");
        server.close().then(resolve, resolve);
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
    });
    return 0;
  }
  console.error(`unknown command: ${command}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(describeFailure(error));
    process.exitCode = 1;
  },
);

/** A failure the user can fix, in one line; anything else (a bug) keeps its stack. */
function describeFailure(error: unknown): unknown {
  if (error instanceof ConfigError) return error.message;
  const { code, syscall, address, port } = (error ?? {}) as NodeJS.ErrnoException & { address?: string; port?: number };
  if (syscall !== "listen") return error;
  const where = `${address}:${port}`;
  if (code === "EADDRINUSE") {
    return `natter: ${where} is already in use; stop what listens there, or choose another port with --port or NATTER_PORT`;
  }
  if (code === "EACCES")
    return `natter: no permission to listen on ${where}; choose a port above 1023 with --port or NATTER_PORT`;
  return `natter: cannot listen on ${where}: ${code}`;
}
