import { DEFAULT_DATABASE_URL, DEFAULT_POOL_SIZE } from "@natter/db";
import { LIMITS } from "@natter/shared";
import { z } from "zod";
import { rateRuleSchema } from "./rate-rule.js";
import { flagOf, setting, settingOf } from "./setting.js";
import { trustedProxiesSchema } from "./trusted-proxies.js";

const seconds = z.coerce.number().int().positive();
const milliseconds = z.coerce.number().int().positive();

/**
 * Everything the server can be told at start, validated before anything opens. Each field is
 * a `setting`: its environment variable, its flag and its description live beside its
 * schema, so `natter serve --help` and the README's table are generated from this one place.
 * To add a setting, add a field here; the README test then names the row to add.
 */
export const configSchema = z.object({
  port: setting(z.coerce.number().int().min(0).max(65535).default(3000), {
    env: "NATTER_PORT",
    description: "HTTP port (REST, tRPC, WebSocket, docs)",
  }),
  host: setting(z.string().min(1).default("127.0.0.1"), {
    env: "NATTER_HOST",
    description: "interface to listen on; `0.0.0.0` to expose it (loopback by default: exposing is a decision)",
  }),
  databaseUrl: setting(z.string().min(1).default(DEFAULT_DATABASE_URL), {
    env: "NATTER_DATABASE_URL",
    flag: "db",
    description:
      "SQLite file path (relative to the working directory) or `:memory:`; or a PostgreSQL URL `postgres://USER[:PASSWORD]@HOST:PORT/DB`",
  }),
  dbPoolSize: setting(z.coerce.number().int().positive().max(1000).default(DEFAULT_POOL_SIZE), {
    env: "NATTER_DB_POOL_SIZE",
    description: "PostgreSQL only: connections this process keeps open at most (SQLite has one)",
  }),
  redisUrl: setting(
    z
      .string()
      .regex(/^rediss?:\/\//, "use a URL such as `redis://127.0.0.1:6379/0`")
      .optional(),
    {
      env: "NATTER_REDIS_URL",
      flag: "redis",
      description:
        "`redis://HOST:PORT/N`: share the event bus, presence and typing, session revocations, throttles, rate limits and connection ceilings with every node on the same Redis (needed for several nodes)",
      defaultText: "none (one node; nothing shared)",
    },
  ),
  redisPrefix: setting(z.string().min(1).default("natter:"), {
    env: "NATTER_REDIS_PREFIX",
    description: "prefix of every Redis key and channel, so that several deployments or test runs can share one Redis",
  }),
  nodeTtlMs: setting(milliseconds.min(1000).default(15_000), {
    env: "NATTER_NODE_TTL_MS",
    description:
      "with Redis: how long a node that stopped (crashed, cut off) still counts, with its users' presence and its connections, before every other node forgets it",
    defaultText: "15 s",
  }),
  logLevel: setting(z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"), {
    env: "NATTER_LOG_LEVEL",
    description: "`fatal` … `trace`, or `silent`",
  }),
  logFormat: setting(z.enum(["auto", "json", "pretty"]).default("auto"), {
    env: "NATTER_LOG_FORMAT",
    description: "`json`, `pretty`, or `auto`: pretty lines when stdout is a terminal, JSON otherwise",
  }),
  metricsToken: setting(z.string().min(16, "use at least 16 characters").optional(), {
    env: "NATTER_METRICS_TOKEN",
    description: "when set, `GET /metrics` answers only `Authorization: Bearer <this token>`",
    defaultText: "none (open)",
  }),
  sessionIdleTtlSeconds: setting(seconds.default(7 * 24 * 3600), {
    env: "NATTER_SESSION_IDLE_TTL_SECONDS",
    description: "a token unused this long expires; each use slides it forward",
    defaultText: "7 days",
  }),
  sessionAbsoluteTtlSeconds: setting(seconds.default(30 * 24 * 3600), {
    env: "NATTER_SESSION_ABSOLUTE_TTL_SECONDS",
    description: "no token lives longer, however often it is used",
    defaultText: "30 days",
  }),
  allowedOrigins: setting(
    z
      .string()
      .default("")
      .transform((list) =>
        list
          .split(",")
          .map((origin) => origin.trim())
          .filter(Boolean),
      )
      // An origin is matched as the exact string a browser sends: `localhost:5173` (no scheme)
      // or `http://localhost:5173/` (a path) would never match and fail silently.
      .refine((origins) => origins.every(isOriginSetting), {
        message: "each entry must be `*` or an origin such as `https://chat.example.com` (scheme, host, port; no path)",
      }),
    {
      env: "NATTER_ALLOWED_ORIGINS",
      description:
        "comma-separated browser origins allowed besides the server's own; `*` for any (requests without an Origin always pass)",
      defaultText: "none",
    },
  ),
  trustedProxies: setting(trustedProxiesSchema.prefault(""), {
    env: "NATTER_TRUSTED_PROXIES",
    description:
      "comma-separated addresses and networks (`10.0.0.1`, `10.0.0.0/8`, `fd00::/8`) of reverse proxies whose `X-Forwarded-For` per-address limits believe; from anyone else the header is ignored",
    defaultText: "none",
  }),
  loginMaxFailures: setting(z.coerce.number().int().positive().default(10), {
    env: "NATTER_LOGIN_MAX_FAILURES",
    description:
      "password checks per username (log-in) and per user (current password of a password change) within the window, counted before each check, before further tries get 429; the right password clears the count. Always on",
  }),
  loginThrottleWindowSeconds: setting(seconds.default(15 * 60), {
    env: "NATTER_LOGIN_THROTTLE_WINDOW_SECONDS",
    description: "the window those attempts are counted in",
  }),
  rateLimits: setting(z.enum(["on", "off"]).default("on"), {
    env: "NATTER_RATE_LIMITS",
    description:
      "`off` turns off the write rates and WebSocket ceilings below, for load tests and benchmarks (the password throttles stay on)",
  }),
  signUpRatePerAddress: setting(rateRuleSchema.prefault("100/1h"), {
    env: "NATTER_SIGN_UP_RATE_PER_ADDRESS",
    description:
      "sign-ups per client address (IPv6: per /64), as `<count>/<window>` with `s`, `m`, `h` or `d`; past it 429 RATE_LIMITED with Retry-After",
    defaultText: "100/1h",
  }),
  logInRatePerAddress: setting(rateRuleSchema.prefault("300/15m"), {
    env: "NATTER_LOG_IN_RATE_PER_ADDRESS",
    description: "log-ins per client address, right or wrong, so one client cannot lock out many accounts",
    defaultText: "300/15m",
  }),
  roomCreateRatePerAccount: setting(rateRuleSchema.prefault("100/1h"), {
    env: "NATTER_ROOM_CREATE_RATE_PER_ACCOUNT",
    description: "rooms one account may create",
    defaultText: "100/1h",
  }),
  roomCreateRatePerAddress: setting(rateRuleSchema.prefault("1000/1h"), {
    env: "NATTER_ROOM_CREATE_RATE_PER_ADDRESS",
    description: "rooms created from one client address",
    defaultText: "1000/1h",
  }),
  messageSendRatePerAccount: setting(rateRuleSchema.prefault("120/1m"), {
    env: "NATTER_MESSAGE_SEND_RATE_PER_ACCOUNT",
    description: "messages one account may send (a retry with the same `clientMessageId` counts too)",
    defaultText: "120/1m",
  }),
  messageSendRatePerAddress: setting(rateRuleSchema.prefault("3000/1m"), {
    env: "NATTER_MESSAGE_SEND_RATE_PER_ADDRESS",
    description: "messages sent from one client address",
    defaultText: "3000/1m",
  }),
  botSendRatePerAccount: setting(rateRuleSchema.prefault("600/1m"), {
    env: "NATTER_BOT_SEND_RATE_PER_ACCOUNT",
    description:
      "messages one bot account may send with its API keys (instead of the per-account limit of people; the per-address one still counts)",
    defaultText: "600/1m",
  }),
  incomingWebhookRatePerHook: setting(rateRuleSchema.prefault("60/1m"), {
    env: "NATTER_INCOMING_WEBHOOK_RATE_PER_HOOK",
    description: "posts through one incoming webhook URL (the per-address limit of sends still counts)",
    defaultText: "60/1m",
  }),
  searchRatePerAccount: setting(rateRuleSchema.prefault("60/1m"), {
    env: "NATTER_SEARCH_RATE_PER_ACCOUNT",
    description: "message searches one account may make",
    defaultText: "60/1m",
  }),
  searchRatePerAddress: setting(rateRuleSchema.prefault("600/1m"), {
    env: "NATTER_SEARCH_RATE_PER_ADDRESS",
    description: "message searches from one client address, signed in or not",
    defaultText: "600/1m",
  }),
  adminWriteRatePerAccount: setting(rateRuleSchema.prefault("600/1h"), {
    env: "NATTER_ADMIN_WRITE_RATE_PER_ACCOUNT",
    description: "changes one server admin may make over the API (accounts created, bans and their lifting)",
    defaultText: "600/1h",
  }),
  wsMaxConnectionsPerAddress: setting(z.coerce.number().int().positive().default(1000), {
    env: "NATTER_WS_MAX_CONNECTIONS_PER_ADDRESS",
    description:
      "live connections per client address (IPv6: per /64), WebSockets and event streams together; one more WebSocket is closed at once with 4429, one more event stream answered 429",
  }),
  wsMaxConnectionsPerAccount: setting(z.coerce.number().int().positive().default(50), {
    env: "NATTER_WS_MAX_CONNECTIONS_PER_ACCOUNT",
    description:
      "signed-in live connections per account, WebSockets and event streams together; one more WebSocket is closed with 4429, one more event stream answered 429",
  }),
  wsMaxSubscriptionsPerAccount: setting(z.coerce.number().int().positive().default(2000), {
    env: "NATTER_WS_MAX_SUBSCRIPTIONS_PER_ACCOUNT",
    description: "live subscriptions per account over all its WebSockets; one more is refused with RATE_LIMITED",
  }),
  wsMaxAnonymousSubscriptionsPerAddress: setting(z.coerce.number().int().positive().default(2000), {
    env: "NATTER_WS_MAX_ANONYMOUS_SUBSCRIPTIONS_PER_ADDRESS",
    description: "live subscriptions of anonymous WebSockets per client address",
  }),
  wsPingMs: setting(milliseconds.default(30_000), {
    env: "NATTER_WS_PING_MS",
    description: "a WebSocket quiet this long is sent a PING...",
  }),
  wsPongWaitMs: setting(milliseconds.default(10_000), {
    env: "NATTER_WS_PONG_WAIT_MS",
    description: "...and cut off if nothing arrives within this long",
  }),
  wsMaxBufferedBytes: setting(
    z.coerce
      .number()
      .int()
      .min(LIMITS.maxWebSocketMessageBytes)
      .default(1024 * 1024),
    {
      env: "NATTER_WS_MAX_BUFFERED_BYTES",
      description: "unsent bytes per WebSocket before a slow reader is dropped (close 4408)",
      defaultText: "1 MiB",
    },
  ),
  wsMessagesPerSecond: setting(z.coerce.number().positive().default(20), {
    env: "NATTER_WS_MESSAGES_PER_SECOND",
    description: "messages per WebSocket per second on average, before it is closed (1008)...",
  }),
  wsMessageBurst: setting(z.coerce.number().int().positive().default(100), {
    env: "NATTER_WS_MESSAGE_BURST",
    description: "...and in one burst",
  }),
  eventStreamTicketRatePerAccount: setting(rateRuleSchema.prefault("60/1m"), {
    env: "NATTER_EVENT_STREAM_TICKET_RATE_PER_ACCOUNT",
    description: "event-stream tickets one account may ask for (one per EventSource connection)",
    defaultText: "60/1m",
  }),
  eventStreamTicketTtlSeconds: setting(seconds.default(60), {
    env: "NATTER_EVENT_STREAM_TICKET_TTL_SECONDS",
    description: "how long an event-stream ticket may wait to be redeemed",
  }),
  eventStreamHeartbeatMs: setting(milliseconds.default(15_000), {
    env: "NATTER_EVENT_STREAM_HEARTBEAT_MS",
    description:
      "how often a quiet event stream (`GET /rooms/{roomId}/events`) is sent a comment, so that proxies keep it open",
  }),
  httpHeadersTimeoutMs: setting(milliseconds.default(10_000), {
    env: "NATTER_HTTP_HEADERS_TIMEOUT_MS",
    description:
      "a request's headers must have arrived within this long, or it is answered 408 and its connection closed",
    defaultText: "10 s",
  }),
  httpRequestTimeoutMs: setting(milliseconds.default(120_000), {
    env: "NATTER_HTTP_REQUEST_TIMEOUT_MS",
    description:
      "a whole request, body included, must have arrived within this long (an upload of the largest size on a slow link too), or it is answered 408",
    defaultText: "2 minutes",
  }),
  shutdownTimeoutMs: setting(milliseconds.default(10_000), {
    env: "NATTER_SHUTDOWN_TIMEOUT_MS",
    description:
      "after SIGTERM or SIGINT: how long requests already read may take to be answered (every answer then says `Connection: close`) before the connections still open are cut and the database is closed",
    defaultText: "10 s",
  }),
  accountDeletion: setting(z.enum(["remove-messages", "keep-messages"]).default("remove-messages"), {
    env: "NATTER_ACCOUNT_DELETION",
    description:
      "what deleting an account (`DELETE /me`, `natter users delete`) does to the person's messages: `remove-messages` leaves tombstones without bodies; `keep-messages` keeps the bodies (without attachments) under the deleted-user placeholder",
  }),
  pushSubscribeRatePerAccount: setting(rateRuleSchema.prefault("30/1h"), {
    env: "NATTER_PUSH_SUBSCRIBE_RATE_PER_ACCOUNT",
    description:
      "push subscriptions (`POST /me/push-subscriptions`) one account may make or renew, on top of the 10 it may hold",
    defaultText: "30/1h",
  }),
  dataExportRatePerAccount: setting(rateRuleSchema.prefault("1/1h"), {
    env: "NATTER_DATA_EXPORT_RATE_PER_ACCOUNT",
    description: "exports of one's data (`GET /me/export`) one account may start",
    defaultText: "1/1h",
  }),
  signup: setting(z.enum(["open", "closed"]).default("open"), {
    env: "NATTER_SIGNUP",
    description:
      "`open`: anyone may sign up; `closed`: only admins create accounts (`natter users add`, `POST /admin/users`)",
  }),
  uploadMaxBytes: setting(
    z.coerce
      .number()
      .int()
      .positive()
      .default(10 * 1024 * 1024),
    {
      env: "NATTER_UPLOAD_MAX_BYTES",
      description: "the largest upload accepted; larger ones are refused (413) while they stream",
      defaultText: "10 MiB",
    },
  ),
  uploadBytesPerHour: setting(
    z.coerce
      .number()
      .int()
      .positive()
      .default(500 * 1024 * 1024),
    {
      env: "NATTER_UPLOAD_BYTES_PER_HOUR",
      description: "bytes one account may upload per hour before further uploads get 429",
      defaultText: "500 MiB",
    },
  ),
  uploadBytesPerHourPerAddress: setting(
    z.coerce
      .number()
      .int()
      .positive()
      .default(2 * 1024 * 1024 * 1024),
    {
      env: "NATTER_UPLOAD_BYTES_PER_HOUR_PER_ADDRESS",
      description:
        "bytes one client address may upload per hour, all its accounts together, before further uploads get 429",
      defaultText: "2 GiB",
    },
  ),
  uploadStorageMaxBytes: setting(z.coerce.number().int().positive().optional(), {
    env: "NATTER_UPLOAD_STORAGE_MAX_BYTES",
    description:
      "the most bytes all uploads together may take in storage (each distinct content once); an upload that would go beyond it is refused with 507 `STORAGE_FULL`",
    defaultText: "none (no ceiling)",
  }),
  uploadMaxConcurrentPerAccount: setting(z.coerce.number().int().positive().default(16), {
    env: "NATTER_UPLOAD_MAX_CONCURRENT_PER_ACCOUNT",
    description: "uploads one account may send at once (on one node); one more gets 429",
  }),
  uploadMaxConcurrentPerAddress: setting(z.coerce.number().int().positive().default(64), {
    env: "NATTER_UPLOAD_MAX_CONCURRENT_PER_ADDRESS",
    description: "uploads one client address may send at once (on one node); one more gets 429",
  }),
  uploadIdleTimeoutMs: setting(milliseconds.default(20_000), {
    env: "NATTER_UPLOAD_IDLE_TIMEOUT_MS",
    description: "an upload whose body sends nothing this long is cut off, and nothing of it kept",
    defaultText: "20 s",
  }),
  uploadUnattachedTtlSeconds: setting(seconds.default(24 * 3600), {
    env: "NATTER_UPLOAD_UNATTACHED_TTL_SECONDS",
    description: "uploads attached to nothing (no message, no avatar) this long are deleted",
    defaultText: "24 hours",
  }),
  uploadSweepIntervalMs: setting(milliseconds.default(10 * 60_000), {
    env: "NATTER_UPLOAD_SWEEP_INTERVAL_MS",
    description:
      "how often those are looked for, and stored bytes no upload records (a crash's: deleted once seen so for an hour)",
    defaultText: "10 minutes",
  }),
  messageRetentionDays: setting(z.coerce.number().int().positive().optional(), {
    env: "NATTER_MESSAGE_RETENTION_DAYS",
    description:
      "messages older than this many days are deleted for good, with their attachments and their entries in the room's log",
    defaultText: "off (kept forever)",
  }),
  messageRetentionIntervalMs: setting(milliseconds.default(10 * 60_000), {
    env: "NATTER_MESSAGE_RETENTION_INTERVAL_MS",
    description: "how often messages past the retention are looked for",
    defaultText: "10 minutes",
  }),
  webhookAllowPrivateNetworks: setting(z.union([z.boolean(), z.stringbool()]).default(false), {
    env: "NATTER_WEBHOOK_ALLOW_PRIVATE_NETWORKS",
    description:
      "`true` lets outgoing webhooks reach private, loopback, link-local and metadata addresses (tests, closed networks); refused at registration and at every connection otherwise",
    defaultText: "false",
  }),
  webhookTimeoutMs: setting(milliseconds.max(60_000).default(10_000), {
    env: "NATTER_WEBHOOK_TIMEOUT_MS",
    description: "how long one webhook delivery attempt may take, from connecting to the end of the answer",
    defaultText: "10 s",
  }),
  webhookPollIntervalMs: setting(milliseconds.default(500), {
    env: "NATTER_WEBHOOK_POLL_INTERVAL_MS",
    description:
      "how often each node looks for due webhook deliveries while any are pending (retries, other nodes' claims); an outbox it found empty is looked at only every tenth time (5 s by default) until a write wakes it. Those its own writes queue go within 100 ms, claimed together; a node with `NATTER_WEBHOOK_DELIVERY=false` wakes the delivering nodes over Redis; rows queued where no node could be told (the CLI, a node killed right after its commit) go within ten intervals",
    defaultText: "500 ms",
  }),
  webhookDelivery: setting(z.union([z.boolean(), z.stringbool()]).default(true), {
    env: "NATTER_WEBHOOK_DELIVERY",
    description:
      "`false`: this node writes webhook deliveries to the outbox with the events it stores but sends none; the deployment's other nodes send them (keeps delivery work off nodes that serve clients)",
    defaultText: "true",
  }),
  vapidPublicKey: setting(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{87}$/, "the uncompressed P-256 public key, base64url (87 characters)")
      .optional(),
    {
      env: "NATTER_VAPID_PUBLIC_KEY",
      description:
        "Web Push: the VAPID public key (base64url, as `npx web-push generate-vapid-keys` prints it); set with the private key, or neither: then a key pair is generated once and kept in the database, the same for every node",
      defaultText: "generated once, kept in the database",
    },
  ),
  vapidPrivateKey: setting(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, "the P-256 private key, base64url (43 characters)")
      .optional(),
    {
      env: "NATTER_VAPID_PRIVATE_KEY",
      description: "Web Push: the VAPID private key matching `NATTER_VAPID_PUBLIC_KEY`",
      defaultText: "generated once, kept in the database",
    },
  ),
  vapidSubject: setting(
    z
      .string()
      .regex(/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/, "a `mailto:` address or an `https:` URL")
      .default("mailto:push@natter.invalid"),
    {
      env: "NATTER_VAPID_SUBJECT",
      description:
        "Web Push: how push services may reach the operator (`mailto:` or `https:`), sent in every VAPID token; set it to a real address in production",
      defaultText: "`mailto:push@natter.invalid`",
    },
  ),
  pushAllowPrivateNetworks: setting(z.union([z.boolean(), z.stringbool()]).default(false), {
    env: "NATTER_PUSH_ALLOW_PRIVATE_NETWORKS",
    description:
      "`true` lets push subscriptions' endpoints be private, loopback, link-local and metadata addresses (tests, closed networks); refused at subscription and at every connection otherwise",
    defaultText: "false",
  }),
  pushTimeoutMs: setting(milliseconds.max(60_000).default(10_000), {
    env: "NATTER_PUSH_TIMEOUT_MS",
    description: "how long one Web Push attempt may take, from connecting to the end of the push service's answer",
    defaultText: "10 s",
  }),
  pushPollIntervalMs: setting(milliseconds.default(500), {
    env: "NATTER_PUSH_POLL_INTERVAL_MS",
    description:
      "how often each node looks for due push notifications while any are pending (retries, other nodes' claims); an outbox it found empty is looked at only every tenth time (5 s by default) until a write wakes it. Those its own writes queue go at once; rows queued where no node could be told (the CLI, a node killed right after its commit) within ten intervals",
    defaultText: "500 ms",
  }),
  uploadsDir: setting(z.string().min(1).optional(), {
    env: "NATTER_UPLOADS_DIR",
    description: "where uploads are stored when no S3-compatible bucket is set",
    defaultText: "`uploads/` beside the SQLite file",
  }),
  s3Endpoint: setting(z.url().optional(), {
    env: "NATTER_S3_ENDPOINT",
    description: "an S3-compatible service to store uploads in instead of the directory; needs the bucket and keys too",
    defaultText: "none",
  }),
  s3Bucket: setting(z.string().min(3).optional(), {
    env: "NATTER_S3_BUCKET",
    description: "the bucket, for this deployment alone: the sweeper deletes bytes its database does not record",
    defaultText: "none",
  }),
  s3Region: setting(z.string().min(1).default("us-east-1"), {
    env: "NATTER_S3_REGION",
    description: "the bucket's region",
  }),
  s3AccessKeyId: setting(z.string().min(1).optional(), {
    env: "NATTER_S3_ACCESS_KEY_ID",
    description: "the access key id",
    defaultText: "none",
  }),
  s3SecretAccessKey: setting(z.string().min(1).optional(), {
    env: "NATTER_S3_SECRET_ACCESS_KEY",
    description: "the secret access key",
    defaultText: "none",
  }),
});

/** The validated server configuration. */
export type Config = z.infer<typeof configSchema>;
/** What may be given to build a configuration; every field has a default. */
export type ConfigInput = z.input<typeof configSchema>;

const settingKeys = Object.keys(configSchema.shape) as (keyof Config)[];

/**
 * Builds the configuration from the environment, overridden by explicit values (CLI flags).
 * Throws an error that names each bad setting and where it came from.
 */
export function loadConfig(overrides: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const fromEnv: Record<string, string> = {};
  for (const key of settingKeys) {
    const value = env[settingOf(configSchema.shape[key]).env];
    if (value !== undefined && value !== "") fromEnv[key] = value;
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const parsed = configSchema.safeParse({ ...fromEnv, ...defined });
  const envName = (key: keyof Config) => settingOf(configSchema.shape[key]).env;
  if (parsed.success) {
    if (parsed.data.sessionAbsoluteTtlSeconds < parsed.data.sessionIdleTtlSeconds) {
      throw new ConfigError([
        `${envName("sessionAbsoluteTtlSeconds")} must not be shorter than ${envName("sessionIdleTtlSeconds")}`,
      ]);
    }
    const { s3Endpoint, s3Bucket, s3AccessKeyId, s3SecretAccessKey } = parsed.data;
    if (s3Endpoint !== undefined && (!s3Bucket || !s3AccessKeyId || !s3SecretAccessKey)) {
      throw new ConfigError([
        `${envName("s3Endpoint")} needs ${envName("s3Bucket")}, ${envName("s3AccessKeyId")} and ${envName("s3SecretAccessKey")}`,
      ]);
    }
    if ((parsed.data.vapidPublicKey === undefined) !== (parsed.data.vapidPrivateKey === undefined)) {
      throw new ConfigError([
        `${envName("vapidPublicKey")} and ${envName("vapidPrivateKey")} go together: set both or neither`,
      ]);
    }
    if (parsed.data.httpRequestTimeoutMs < parsed.data.httpHeadersTimeoutMs) {
      throw new ConfigError([
        `${envName("httpRequestTimeoutMs")} must not be shorter than ${envName("httpHeadersTimeoutMs")}`,
      ]);
    }
    return parsed.data;
  }
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const key = String(issue.path[0]) as keyof Config;
      const meta = configSchema.shape[key] ? settingOf(configSchema.shape[key]) : undefined;
      if (!meta) return `${key}: ${issue.message}`;
      const source = key in defined ? `--${flagOf(key, meta)}` : meta.env;
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

function isOriginSetting(entry: string): boolean {
  if (entry === "*") return true;
  try {
    const url = new URL(entry);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === entry;
  } catch {
    return false;
  }
}
