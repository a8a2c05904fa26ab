import { openDatabase } from "@natter/db";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  openRawSocket,
  rest,
  signUp,
  startTestServer,
  TEST_ENGINE,
  TEST_WITH_REDIS,
  type TestServer,
} from "./harness/index.js";

const METRICS_TOKEN = "a-scraper-secret-of-some-length";

/** The value of one sample line of a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels = ""): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${name}${labels ? `{${labels}}` : ""} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("operating natter", () => {
  let server: TestServer;
  const scrape = async () => {
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };
  beforeAll(async () => {
    server = await startTestServer({ config: { metricsToken: METRICS_TOKEN } });
  });
  afterAll(() => server.stop());

  it("exports Prometheus metrics by route template, never by raw path", async () => {
    const alice = await signUp(server.url);
    const room = await createRoom(server.url, alice.token, { name: "metered" });
    for (let i = 0; i < 3; i += 1)
      expect((await rest(server.url, "GET", `/rooms/${room.id}`, { token: alice.token })).status).toBe(200);
    await rest(server.url, "POST", "/sessions", { body: { username: alice.username, password: "not the password" } });
    await rest(server.url, "POST", "/sessions", { body: { username: alice.username, password: alice.password } });
    await scrape(); // so that /metrics itself has its series before counting them
    const before = await scrape();
    for (let i = 0; i < 40; i += 1) await fetch(`${server.url}/made-up/${crypto.randomUUID()}`);
    for (let i = 0; i < 10; i += 1) await rest(server.url, "GET", `/rooms/${crypto.randomUUID()}/nowhere`);
    const text = await scrape();

    expect(sample(text, "natter_http_requests_total", 'route="/api/v1/rooms/{roomId}",method="GET",status="200"')).toBe(
      3,
    );
    expect(sample(text, "natter_http_requests_total", 'route="unmatched",method="GET",status="404"')).toBe(40);
    expect(sample(text, "natter_http_request_duration_seconds_count", 'route="/api/v1/rooms",method="POST"')).toBe(1);
    expect(sample(text, "natter_logins_total", 'outcome="success"')).toBe(1);
    expect(sample(text, "natter_logins_total", 'outcome="invalid_credentials"')).toBe(1);
    expect(sample(text, "natter_db_query_duration_seconds_count", `engine="${TEST_ENGINE}"`)).toBeGreaterThan(5);
    expect(text).toContain("nodejs_eventloop_lag_p99_seconds");
    expect(text).toContain("process_resident_memory_bytes");
    // Bounded labels: fifty made-up paths added two series (unmatched, and unmatched below
    // the REST prefix), not fifty, and no id appears anywhere.
    const series = (exposition: string) =>
      new Set(
        exposition
          .split("\n")
          .filter((line) => line.startsWith("natter_http_requests_total{"))
          .map((line) => line.split(" ")[0]?.replace(/status="\d+"/, "")),
      );
    expect(series(text).size).toBeLessThanOrEqual(series(before).size + 2);
    expect(text).not.toContain(room.id);
    expect(text).not.toContain(alice.id);
  });

  it("names a call of every documented REST operation by that operation's template", async () => {
    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.entries(document.paths).flatMap(([template, item]) =>
      Object.keys(item).map((method) => [method.toUpperCase(), template] as const),
    );
    expect(operations.length).toBeGreaterThan(20);
    for (const [method, template] of operations) {
      const path = template.replace(/\{[^}]+\}/g, () => crypto.randomUUID());
      await rest(server.url, method, path, method === "GET" || method === "DELETE" ? {} : { body: {} });
    }
    const text = await scrape();
    // natter's own routes (uploads) write their parameters as `:name`, the document as `{name}`.
    const labelled = new Set(
      [...text.matchAll(/^natter_http_requests_total\{route="([^"]+)",method="([A-Z]+)"/gm)].map(
        ([, route, method]) => `${method} ${route?.replace(/:(\w+)/g, "{$1}")}`,
      ),
    );
    for (const [method, template] of operations) expect(labelled).toContain(`${method} /api/v1${template}`);
  });

  it("counts WebSocket connections, subscriptions and deliveries", async () => {
    const bob = await signUp(server.url);
    const room = await createRoom(server.url, bob.token, { name: "watched" });
    const socket = await openRawSocket(server.url, { token: bob.token });
    socket.call(1, "subscription", "rooms.events", { roomId: room.id });
    await socket.next((message) => message.includes('"type":"started"'));
    await rest(server.url, "POST", `/rooms/${room.id}/messages`, { token: bob.token, body: { body: "counted" } });
    await socket.next((message) => message.includes("counted"));
    const text = await scrape();
    expect(sample(text, "natter_ws_connections")).toBe(1);
    expect(sample(text, "natter_ws_subscriptions")).toBe(1);
    expect(sample(text, "natter_ws_deliveries_total")).toBeGreaterThanOrEqual(1);
    socket.ws.close();
    await socket.closed;
  });

  it("keeps /metrics to whoever holds NATTER_METRICS_TOKEN", async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } });
    expect(wrong.status).toBe(401);
  });

  it("is ready only while its migrations are all applied", async () => {
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    // The disk check covers the SQLite file's directory and the uploads directory (a directory store here).
    const checks = TEST_WITH_REDIS ? { database: "ok", disk: "ok", redis: "ok" } : { database: "ok", disk: "ok" };
    expect(await ready.json()).toEqual({ status: "ready", checks });

    // Someone rolls the schema back underneath the running server.
    const { db, close } = openDatabase(server.databaseUrl);
    const {
      rows: [newest],
    } = await sql<{ name: string }>`select name from kysely_migration order by name desc limit 1`.execute(db);
    if (!newest) throw new Error("no migration recorded");
    await sql`delete from kysely_migration where name = ${newest.name}`.execute(db);
    await close();
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    const body = (await notReady.json()) as { checks: Record<string, string> };
    expect(body.checks.database).toBe(`migrations not applied: ${newest.name}`);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
