import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@natter/db";
import { dataExportSchema } from "@natter/shared";
import { afterAll, describe, expect, it } from "vitest";
import { insertSentMessages } from "../../../bench/src/sent-messages.js";
import {
  type CliServer,
  createRoom,
  createTestDatabase,
  signUp,
  startCliServer,
  TEST_ENGINE,
  type TestDatabase,
} from "../harness/index.js";

const MESSAGES = 100_000;
/**
 * The server's V8 limits during the export: old space (`--max-old-space-size`) and each of the
 * young generation's semi-spaces (`--max-semi-space-size`, so that it cannot grow to its
 * default 16 MB each and blur the RSS figures). An idle natter fits with room to spare; the
 * document (about 67 MB of text here) held whole does not, so a server that buffered the
 * export would die of it ("JavaScript heap out of memory": checked by making the route collect
 * the pieces into one string before writing).
 */
const HEAP_LIMIT_MB = 48;
const SEMI_SPACE_MB = 1;
/**
 * How far the process's resident memory may rise above what it was before the export, as a
 * whole. It rises by 30 to 47 MB in the first pages (SQLite's page cache, V8's heap growing to
 * its working size, the socket's buffers; most on Node 24) and then stays flat; the document is
 * larger by some 9 MB.
 */
const RSS_GROWTH_BOUND_MB = 58;
/**
 * How far it may rise while the last three quarters of the document go out, above its peak
 * during the first quarter: a few MB of noise when each page is dropped once written (measured
 * 6 MB), against three quarters of the document (50 MB) for a server that kept them.
 */
const RSS_LATE_GROWTH_BOUND_MB = 15;

/** A body of about 460 characters, different for every message, so that the document is big. */
function bodyOf(i: number): string {
  return `message ${i} `.padEnd(460, "lorem ipsum dolor sit amet ");
}

/** The process's resident set size in MB, from /proc (Linux, as CI). */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]);
  return kb / 1024;
}

/*
 * Issue 24: "Large histories stream without buffering (test at 100k messages: bounded
 * memory)". An account with 100,000 messages stored as a send stores them, a server of its
 * own with a heap too small for the whole document, and its resident memory sampled while
 * the export is read over HTTP and parsed whole.
 */
describe("the data export of an account with 100,000 messages", () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-export-scale-"));
  let testDatabase: TestDatabase | undefined;
  let server: CliServer | undefined;
  afterAll(async () => {
    await server?.stop();
    await testDatabase?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("streams every message with the server's memory bounded", { timeout: 240_000 }, async () => {
    testDatabase = await createTestDatabase(dir);
    const serve = (env: Record<string, string> = {}) =>
      startCliServer({ databaseUrl: (testDatabase as TestDatabase).url, uploadsDir: join(dir, "uploads"), env });
    server = await serve();
    const alice = await signUp(server.url);
    const room = await createRoom(server.url, alice.token, { name: "history" });
    // Seeded with the server stopped, so that no cache of its own (the room's seq) goes stale.
    await server.stop();
    server = undefined;
    const seeding = performance.now();
    const database = openDatabase(testDatabase.url, { poolSize: 1 });
    try {
      await insertSentMessages(database.db, {
        roomId: room.id,
        authorId: alice.id,
        count: MESSAGES,
        body: bodyOf,
        startAt: Date.now() - MESSAGES,
      });
    } finally {
      await database.close();
    }
    console.log(`${TEST_ENGINE}: ${MESSAGES} messages seeded in ${Math.round(performance.now() - seeding)} ms`);

    server = await serve({
      NODE_OPTIONS: `--max-old-space-size=${HEAP_LIMIT_MB} --max-semi-space-size=${SEMI_SPACE_MB}`,
    });
    const pid = server.child.pid as number;
    // Warm: the first authenticated request loads what every request needs.
    const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${alice.token}` } });
    expect(me.status).toBe(200);
    const before = rssMb(pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMb(pid));
    }, 10);
    const samples: { received: number; rss: number }[] = [];
    const exporting = performance.now();
    let text = "";
    try {
      const res = await fetch(`${server.url}/api/v1/me/export`, {
        headers: { authorization: `Bearer ${alice.token}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      // Read chunk by chunk, as a client saving it to a file would, sampling between chunks too.
      const decoder = new TextDecoder();
      for await (const chunk of res.body as ReadableStream<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        const rss = rssMb(pid);
        peak = Math.max(peak, rss);
        samples.push({ received: text.length, rss });
      }
      text += decoder.decode();
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - exporting) / 1000;
    const megabytes = Buffer.byteLength(text) / 1024 / 1024;
    console.log(
      `${TEST_ENGINE}: export of ${megabytes.toFixed(1)} MB in ${seconds.toFixed(1)} s; server RSS ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB`,
    );

    const exported = dataExportSchema.parse(JSON.parse(text));
    expect(exported.profile.id).toBe(alice.id);
    expect(exported.messages).toHaveLength(MESSAGES);
    const seqs = new Set(exported.messages.map((message) => message.seq));
    expect(seqs.size).toBe(MESSAGES);
    const bodies = new Set(exported.messages.map((message) => message.body));
    for (let i = 0; i < MESSAGES; i += 1) {
      if (!bodies.has(bodyOf(i))) expect.fail(`message ${i} is missing from the export`);
    }
    expect(exported.messages.every((message) => message.roomId === room.id)).toBe(true);
    expect(exported.rooms.map((r) => r.id)).toEqual([room.id]);
    // The bounds: the document is bigger than the growth allowed, so it was never held whole, and
    // memory stays flat once the export runs, so no page is kept once written.
    expect(megabytes).toBeGreaterThan(RSS_GROWTH_BOUND_MB);
    expect(peak - before).toBeLessThan(RSS_GROWTH_BOUND_MB);
    const quarter = text.length / 4;
    const early = Math.max(before, ...samples.filter((s) => s.received <= quarter).map((s) => s.rss));
    const late = Math.max(...samples.filter((s) => s.received > quarter).map((s) => s.rss));
    console.log(`${TEST_ENGINE}: RSS peak ${early.toFixed(0)} MB in the first quarter, ${late.toFixed(0)} MB after`);
    expect(late - early).toBeLessThan(RSS_LATE_GROWTH_BOUND_MB);
    // Still alive and answering after it.
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
