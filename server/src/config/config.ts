import { DEFAULT_DATABASE_URL } from "@natter/db";
import { LIMITS } from "@natter/shared";
import { z } from "zod";

const seconds = z.coerce.number().int().positive();
const milliseconds = z.coerce.number().int().positive();

/** Everything the server can be told at start, validated before anything opens. */
export const configSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Loopback by default: exposing the server is a decision, not an accident. */
  host: z.string().min(1).default("127.0.0.1"),
  databaseUrl: z.string().min(1).default(DEFAULT_DATABASE_URL),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** A session unused for this long expires; each use slides it forward. */
  sessionIdleTtlSeconds: seconds.default(7 * 24 * 3600),
  /** No session outlives this, however often it is used. */
  sessionAbsoluteTtlSeconds: seconds.default(30 * 24 * 3600),
  /**
   * Browser origins allowed to open WebSockets and call the API cross-origin, besides the
   * server's own. `*` allows any. Requests without an Origin header (non-browsers) always pass.
   */
  allowedOrigins: z
    .string()
    .default("")
    .transform((list) =>
      list
        .split(",")
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
  /** Failed log-ins a username may take within the throttle window before further tries are refused. */
  loginMaxFailures: z.coerce.number().int().positive().default(10),
  loginThrottleWindowSeconds: seconds.default(15 * 60),
  /** A WebSocket quiet for this long is sent a PING... */
  wsPingMs: milliseconds.default(30_000),
  /** ...and is cut off if nothing arrives within this long after it. */
  wsPongWaitMs: milliseconds.default(10_000),
  /** Unsent bytes a WebSocket may hold before its reader is dropped as too slow. */
  wsMaxBufferedBytes: z.coerce
    .number()
    .int()
    .min(LIMITS.maxWebSocketMessageBytes)
    .default(1024 * 1024),
  /** Messages a WebSocket may send per second on average, and in one burst, before it is closed. */
  wsMessagesPerSecond: z.coerce.number().positive().default(20),
  wsMessageBurst: z.coerce.number().int().positive().default(100),
  /** How often open WebSockets are checked for sessions that expired while they were open. */
  wsSessionCheckMs: milliseconds.default(30_000),
});

/** The validated server configuration. */
export type Config = z.infer<typeof configSchema>;
/** What may be given to build a configuration; every field has a default. */
export type ConfigInput = z.input<typeof configSchema>;

const ENVIRONMENT_KEYS: Record<keyof Config, string> = {
  port: "NATTER_PORT",
  host: "NATTER_HOST",
  databaseUrl: "NATTER_DATABASE_URL",
  logLevel: "NATTER_LOG_LEVEL",
  sessionIdleTtlSeconds: "NATTER_SESSION_IDLE_TTL_SECONDS",
  sessionAbsoluteTtlSeconds: "NATTER_SESSION_ABSOLUTE_TTL_SECONDS",
  allowedOrigins: "NATTER_ALLOWED_ORIGINS",
  loginMaxFailures: "NATTER_LOGIN_MAX_FAILURES",
  loginThrottleWindowSeconds: "NATTER_LOGIN_THROTTLE_WINDOW_SECONDS",
  wsPingMs: "NATTER_WS_PING_MS",
  wsPongWaitMs: "NATTER_WS_PONG_WAIT_MS",
  wsMaxBufferedBytes: "NATTER_WS_MAX_BUFFERED_BYTES",
  wsMessagesPerSecond: "NATTER_WS_MESSAGES_PER_SECOND",
  wsMessageBurst: "NATTER_WS_MESSAGE_BURST",
  wsSessionCheckMs: "NATTER_WS_SESSION_CHECK_MS",
};

/**
 * Builds the configuration from the environment, overridden by explicit values (CLI flags).
 * Throws an error that names each bad setting and where it came from.
 */
export function loadConfig(overrides: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const fromEnv: Record<string, string> = {};
  for (const [key, name] of Object.entries(ENVIRONMENT_KEYS)) {
    const value = env[name];
    if (value !== undefined && value !== "") fromEnv[key] = value;
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const parsed = configSchema.safeParse({ ...fromEnv, ...defined });
  if (parsed.success) {
    if (parsed.data.sessionAbsoluteTtlSeconds < parsed.data.sessionIdleTtlSeconds) {
      throw new ConfigError([
        `${ENVIRONMENT_KEYS.sessionAbsoluteTtlSeconds} must not be shorter than ${ENVIRONMENT_KEYS.sessionIdleTtlSeconds}`,
      ]);
    }
    return parsed.data;
  }
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const key = String(issue.path[0]) as keyof Config;
      const source = key in defined ? `--${key}` : (ENVIRONMENT_KEYS[key] ?? key);
      return `${source}: ${issue.message}`;
    }),
  );
}

/** A configuration that does not validate; its message lists every problem. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
}
