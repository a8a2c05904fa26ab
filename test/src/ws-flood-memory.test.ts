import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliServer, createRoom, openRawSocket, type RawSocket, signUp, startCliServer } from "./harness/index.js";
import { send } from "./messages/room-fixtures.js";

/** How much the server's RSS may grow under the flood: the old server grew by about 1 GB. */
const RSS_GROWTH_BOUND_MIB = 150;
const CONNECTIONS = 60;
const SUBSCRIPTIONS_PER_CONNECTION = 100;
const MESSAGES = 20;

function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB$/m);
  if (!line?.[1]) throw new Error(`no VmRSS for ${pid}`);
  return Number(line[1]) / 1024;
}

/**
 * A flood past the ceilings (60 connections of one account, 6,000 subscriptions, 20 messages of
 * 4,000 characters to every one of them) against natter in its own process: its resident
 * memory stays within a bound, as the ceilings refuse what is beyond them.
 */
describe("server memory under a subscription flood", () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-flood-"));
  let server: CliServer;
  const sockets: RawSocket[] = [];
  beforeAll(async () => {
    server = await startCliServer({ databaseUrl: join(dir, "natter.db"), uploadsDir: join(dir, "uploads") });
  });
  afterAll(async () => {
    for (const socket of sockets) socket.ws.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`grows by less than ${RSS_GROWTH_BOUND_MIB} MiB`, async () => {
    const pid = server.child.pid ?? 0;
    const owner = await signUp(server.url);
    const room = await createRoom(server.url, owner.token, { open: true });
    await send(server.url, owner, room.id, "warm-up");
    const before = rssMiB(pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiB(pid));
    }, 20);
    try {
      const flooder = await signUp(server.url);
      const opened = await Promise.allSettled(
        Array.from({ length: CONNECTIONS }, () => openRawSocket(server.url, { token: flooder.token })),
      );
      for (const result of opened) if (result.status === "fulfilled") sockets.push(result.value);
      let started = 0;
      await Promise.all(
        sockets.map(async (socket) => {
          const ids = Array.from({ length: SUBSCRIPTIONS_PER_CONNECTION }, (_, i) => i + 1);
          for (const id of ids) socket.call(id, "subscription", "rooms.events", { roomId: room.id });
          const answered = Promise.all(
            ids.map((id) =>
              socket.next((m) => {
                const parsed = JSON.parse(m);
                return parsed.id === id && (parsed.result?.type === "started" || parsed.error !== undefined);
              }),
            ),
          );
          // A socket refused by the connection ceiling closes instead of answering.
          const outcome = await Promise.race([answered, socket.closed.then(() => [] as string[])]);
          started += outcome.filter((m) => JSON.parse(m).result?.type === "started").length;
        }),
      );
      const body = "x".repeat(3990);
      for (let i = 0; i < MESSAGES; i += 1) await send(server.url, owner, room.id, `${i} ${body}`);
      const last = `${MESSAGES - 1} `;
      // Every subscription that started receives the last message (or its socket was dropped).
      await Promise.all(
        sockets.map((socket) => Promise.race([socket.next((m) => m.includes(`"body":"${last}`)), socket.closed])),
      );
      const after = rssMiB(pid);
      const growth = peak - before;
      console.log(
        `flood: ${sockets.length} sockets opened, ${started} subscriptions started of ` +
          `${CONNECTIONS * SUBSCRIPTIONS_PER_CONNECTION}; RSS ${before.toFixed(0)} -> peak ${peak.toFixed(0)} -> ${after.toFixed(0)} MiB`,
      );
      expect(started).toBeLessThanOrEqual(2000);
      expect(growth).toBeLessThan(RSS_GROWTH_BOUND_MIB);
    } finally {
      clearInterval(sampler);
    }
  }, 120_000);
});
