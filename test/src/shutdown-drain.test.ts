import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@natter/db";
import { afterAll, describe, expect, it } from "vitest";
import {
  type CliServer,
  createRoom,
  createTestDatabase,
  deleteRedisKeys,
  rest,
  signUpMany,
  startCliServer,
  TEST_REDIS_URL,
  TEST_WITH_REDIS,
  type TestDatabase,
  testRedisPrefix,
} from "./harness/index.js";
import { waitFor } from "./messages/room-fixtures.js";

/** The default deadline (NATTER_SHUTDOWN_TIMEOUT_MS): forty sends into one room take a while on a loaded PostgreSQL. */
const DEADLINE_MS = 10_000;
const LOOPS = 4;
const IN_FLIGHT = 40;

interface Sent {
  clientMessageId: string;
  /** The message id the server answered with; undefined: no answer came. */
  answered?: string;
}

/**
 * One send over a keep-alive agent: resolves once answered, or once its connection failed.
 * With `bodyAfter`, it asks `Expect: 100-continue` and holds its body back until `bodyAfter`
 * resolves; `read` then resolves once the server has read the request's head.
 */
function send(
  url: string,
  agent: Agent,
  token: string,
  roomId: string,
  sent: Sent,
  bodyAfter?: Promise<void>,
): { read: Promise<void>; done: Promise<void> } {
  const body = JSON.stringify({ body: sent.clientMessageId, clientMessageId: sent.clientMessageId });
  let read = () => {};
  const headRead = new Promise<void>((resolve) => {
    read = resolve;
  });
  const done = new Promise<void>((resolve) => {
    const req = request(
      `${url}/api/v1/rooms/${roomId}/messages`,
      {
        method: "POST",
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          ...(bodyAfter && { expect: "100-continue" }),
        },
      },
      (res) => {
        let text = "";
        res.on("data", (chunk) => {
          text += String(chunk);
        });
        res.on("end", () => {
          if (res.statusCode === 201) sent.answered = (JSON.parse(text) as { message: { id: string } }).message.id;
          resolve();
        });
        res.on("error", () => resolve());
      },
    );
    req.on("error", () => resolve());
    if (!bodyAfter) {
      req.end(body);
      return;
    }
    req.on("continue", () => {
      read();
      void bodyAfter.then(() => req.end(body));
    });
    req.flushHeaders();
  });
  return { read: headRead, done };
}

describe("SIGTERM with keep-alive clients busy", () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-drain-"));
  const redisPrefix = testRedisPrefix();
  let testDatabase: TestDatabase | undefined;
  let child: CliServer | undefined;
  afterAll(async () => {
    await child?.kill();
    await testDatabase?.drop();
    if (TEST_WITH_REDIS) await deleteRedisKeys(redisPrefix);
    rmSync(dir, { recursive: true, force: true });
  });

  const serve = (databaseUrl: string) =>
    startCliServer({
      databaseUrl,
      uploadsDir: join(dir, "uploads"),
      env: {
        NATTER_RATE_LIMITS: "off",
        ...(TEST_WITH_REDIS && { NATTER_REDIS_URL: TEST_REDIS_URL, NATTER_REDIS_PREFIX: redisPrefix }),
      },
    });

  it("exits within the deadline; every answered send is stored, every other one is safe to retry", {
    timeout: 120_000,
  }, async () => {
    testDatabase = await createTestDatabase(dir);
    child = await serve(testDatabase.url);
    const { url } = child;
    const users = await signUpMany(url, LOOPS);
    const [owner] = users;
    const room = await createRoom(url, owner.token, { open: false, memberIds: users.slice(1).map((u) => u.id) });

    const sends: Sent[] = [];
    const agents = users.map(() => new Agent({ keepAlive: true, maxSockets: 1 }));
    let signalled = false;
    // Four clients sending back to back over one keep-alive connection each, until the server is gone.
    const loops = users.map(async (user, index) => {
      const agent = agents[index] as Agent;
      for (let n = 0; ; n += 1) {
        const sent: Sent = { clientMessageId: `loop-${index}-${n}` };
        sends.push(sent);
        await send(url, agent, user.token, room.id, sent).done;
        if (sent.answered === undefined && signalled) return;
      }
    });
    await waitFor("every loop answered", () => sends.filter((s) => s.answered).length >= 5 * LOOPS);

    // Forty more in flight at the signal, over their own connections: read by the server, their bodies still on the way.
    let signal = () => {};
    const signalSent = new Promise<void>((resolve) => {
      signal = resolve;
    });
    const burstAgent = new Agent({ keepAlive: true });
    const burst = Array.from({ length: IN_FLIGHT }, (_, index) => {
      const sent: Sent = { clientMessageId: `burst-${index}` };
      sends.push(sent);
      return send(url, burstAgent, (users[index % LOOPS] ?? owner).token, room.id, sent, signalSent);
    });
    await Promise.all(burst.map((one) => one.read));
    const exited = new Promise<void>((resolve) => child?.child.once("exit", () => resolve()));
    const started = performance.now();
    signalled = true;
    child.child.kill("SIGTERM");
    // Sent right after the signal: the server has started draining, or starts any moment.
    setTimeout(signal, 100);
    const exitedInTime = await Promise.race([
      exited.then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), DEADLINE_MS + 5000).unref()),
    ]);
    const exitMs = Math.round(performance.now() - started);
    await Promise.all([...loops, ...burst.map((one) => one.done)]);
    for (const agent of [...agents, burstAgent]) agent.destroy();
    const unanswered = sends.filter((s) => s.answered === undefined);
    const drained = /"msg":"(connections [a-z ]+)".*?"ms":(\d+)|"ms":(\d+).*?"cut":(\d+)/.exec(child.output());
    console.log(
      `SIGTERM drain: exited after ${exitMs} ms (deadline ${DEADLINE_MS} ms); ${sends.length - unanswered.length} sends answered, ` +
        `${unanswered.length} unanswered; ${drained?.[0] ?? "no drain line"}`,
    );
    expect(exitedInTime, "the server exits within the deadline").toBe(true);
    expect(child.child.exitCode).toBe(0);
    expect(exitMs).toBeLessThan(DEADLINE_MS + 1500);
    // Requests already read when the signal came are answered.
    expect(sends.filter((s) => s.clientMessageId.startsWith("burst-") && s.answered)).toHaveLength(IN_FLIGHT);

    // Every answered send is stored, as answered.
    const database = openDatabase(testDatabase.url);
    try {
      const stored = await database.db
        .selectFrom("messages")
        .select(["id", "client_message_id"])
        .where("room_id", "=", room.id)
        .execute();
      const byClientId = new Map(stored.map((row) => [row.client_message_id, row.id]));
      for (const sent of sends.filter((s) => s.answered))
        expect(byClientId.get(sent.clientMessageId)).toBe(sent.answered);
    } finally {
      await database.close();
    }

    // Every unanswered one, retried with its clientMessageId, is stored once.
    child = await serve(testDatabase.url);
    for (const sent of unanswered) {
      const tokenOf = sent.clientMessageId.startsWith("burst-")
        ? users[Number(sent.clientMessageId.split("-")[1]) % LOOPS]
        : users[Number(sent.clientMessageId.split("-")[1])];
      const retried = await rest(child.url, "POST", `/rooms/${room.id}/messages`, {
        token: (tokenOf ?? owner).token,
        body: { body: sent.clientMessageId, clientMessageId: sent.clientMessageId },
      });
      expect([200, 201]).toContain(retried.status);
      sent.answered = retried.body.message.id;
    }
    const again = openDatabase(testDatabase.url);
    try {
      const stored = await again.db
        .selectFrom("messages")
        .select(["id", "client_message_id"])
        .where("room_id", "=", room.id)
        .execute();
      expect(stored).toHaveLength(sends.length);
      expect(new Map(stored.map((row) => [row.client_message_id, row.id]))).toEqual(
        new Map(sends.map((s) => [s.clientMessageId, s.answered])),
      );
    } finally {
      await again.close();
    }
  });
});
