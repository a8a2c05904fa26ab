import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

/** The Redis the suite shares state on when a test asks for one; every test server takes its own key prefix. */
export const TEST_REDIS_URL = process.env.NATTER_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * Whether every test server shares its state on Redis, as nodes of a cluster do
 * (`NATTER_TEST_REDIS=on`: the `e2e-postgres` project, PostgreSQL with Redis).
 */
export const TEST_WITH_REDIS = process.env.NATTER_TEST_REDIS === "on";

/**
 * Why Redis cannot be used here, or undefined when it answers. Where it cannot, tests that
 * need it are skipped with a loud line on a developer's machine; under `CI=true`, where
 * Redis is part of the machine, this throws instead, so nothing is skipped silently.
 */
export async function redisUnavailable(): Promise<string | undefined> {
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    const reason = `Redis unreachable at ${TEST_REDIS_URL}: ${error instanceof Error ? error.message : String(error)}`;
    if (process.env.CI === "true") throw new Error(`${reason} (CI=true: Redis must be there)`);
    console.warn(`\n!!! SKIPPING the tests that need Redis. ${reason}. Start Redis or set NATTER_TEST_REDIS_URL.\n`);
    return reason;
  } finally {
    client.disconnect();
  }
}

/** A key prefix of one's own on the shared Redis, so that test servers never see each other's state. */
export function testRedisPrefix(): string {
  return `natter-test:${randomBytes(6).toString("hex")}:`;
}

/** Deletes every key under `prefix`, so a test leaves nothing behind. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    for await (const keys of keysUnder(client, prefix)) await client.del(...keys);
  } finally {
    client.disconnect();
  }
}

/**
 * How many nodes under `prefix` are late: still in the node set, but past the liveness of
 * their last beat on Redis's clock (stalled, or killed a moment ago).
 */
export async function lateNodeCount(prefix: string): Promise<number> {
  const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const [seconds, micros] = await client.time();
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    return await client.zcount(`${prefix}nodes`, "-inf", now);
  } finally {
    client.disconnect();
  }
}

/** Every key under `prefix` with its `PTTL` in ms: -1 for a key that never expires, -2 for one gone meanwhile. */
export async function redisKeyTtls(prefix: string): Promise<Map<string, number>> {
  const client = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const ttls = new Map<string, number>();
    for await (const keys of keysUnder(client, prefix)) {
      for (const key of keys) ttls.set(key, await client.pttl(key));
    }
    return ttls;
  } finally {
    client.disconnect();
  }
}

/** The keys under `prefix`, a SCAN batch at a time (no batch is empty). */
async function* keysUnder(client: Redis, prefix: string): AsyncGenerator<string[]> {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) yield keys;
  } while (cursor !== "0");
}
