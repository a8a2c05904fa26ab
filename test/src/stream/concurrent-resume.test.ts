import type { RoomEvent } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  rest,
  seededRandom,
  signUp,
  signUpMany,
  startTestServer,
  type TestServer,
  type TestUser,
  wsClientPool,
} from "../harness/index.js";
import { newRoom, waitFor } from "../messages/room-fixtures.js";

const SENDERS = 4;
const MESSAGES_PER_SENDER = 60;
const WATCHERS = 6;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("rooms.events under concurrent senders and watchers that come and go", () => {
  let server: TestServer;
  const sockets = wsClientPool(() => server.url);
  const connect = sockets.connect;
  const seed = Number(process.env.NATTER_STREAM_SEED ?? Date.now() % 1_000_000);
  const rand = seededRandom(seed);
  let resumes = 0;

  beforeAll(async () => {
    // Senders post over their WebSockets far faster than a person would.
    server = await startTestServer({ config: { wsMessagesPerSecond: 100_000, wsMessageBurst: 100_000 } });
  });
  afterAll(async () => {
    sockets.closeAll();
    await server.stop();
  });

  /**
   * One watcher: subscribes, takes a random share of the stream, unsubscribes (keeping its
   * socket, or dropping it for a new one), and resumes from the last seq it holds, until the
   * senders are done and it holds the room's last seq. Answers every event it received.
   */
  async function watcher(roomId: string, token: string | undefined, from: number, done: () => number | null) {
    const received: RoomEvent[] = [];
    let last = from;
    let ws = connect(token);
    for (;;) {
      let failure: unknown;
      const subscription = ws.client.rooms.events.subscribe(
        { roomId, lastEventId: String(last) },
        {
          onData: ({ data }) => {
            received.push(data);
            last = data.seq;
          },
          onError: (error) => {
            failure = error;
          },
        },
      );
      const finalSeq = done();
      if (finalSeq !== null) {
        await waitFor(`seq ${finalSeq}`, () => last >= finalSeq || failure !== undefined);
        subscription.unsubscribe();
        if (failure) throw failure;
        return received;
      }
      const want = received.length + Math.floor(rand() * 40);
      const deadline = Date.now() + rand() * 60;
      await waitFor("a share of the stream", () => received.length >= want || Date.now() > deadline || !!failure);
      subscription.unsubscribe();
      if (failure) throw failure;
      resumes += 1;
      if (rand() < 0.3) {
        ws.close();
        ws = connect(token);
      }
      await pause(rand() * 20);
    }
  }

  it("gives every watcher each event once, in seq order, however often it resumes", async () => {
    const owner = await signUp(server.url);
    const senders = await signUpMany(server.url, SENDERS);
    const roomId = await newRoom(server.url, owner, { members: senders });
    const churner = await signUp(server.url);

    let finalSeq: number | null = null;
    const watchers = Array.from({ length: WATCHERS }, (_, i) => {
      const token = i % 2 === 0 ? owner.token : undefined;
      const from = Math.floor(rand() * 3);
      return { from, events: watcher(roomId, token, from, () => finalSeq) };
    });

    const send = async (user: TestUser) => {
      const ws = connect(user.token);
      for (let i = 0; i < MESSAGES_PER_SENDER; i++) {
        await ws.client.messages.send.mutate({ roomId, body: `${user.username} ${i}` });
        if (rand() < 0.1) await pause(rand() * 10);
      }
    };
    // Someone joins and leaves all along, so member events interleave with messages.
    let sending = true;
    const churn = async () => {
      while (sending) {
        await rest(server.url, "POST", `/rooms/${roomId}/join`, { token: churner.token });
        await rest(server.url, "POST", `/rooms/${roomId}/leave`, { token: churner.token });
      }
    };
    const churning = churn();
    await Promise.all(senders.map(send));
    sending = false;
    await churning;
    const room = await rest(server.url, "GET", `/rooms/${roomId}`, { token: owner.token });
    finalSeq = room.body.room.lastSeq as number;

    // The reference: one replay of the whole log.
    const reference = watcher(roomId, owner.token, 0, () => finalSeq);
    const log = await reference;
    expect(log.map((e) => e.seq)).toEqual(Array.from({ length: finalSeq }, (_, i) => i + 1));
    expect(log.filter((e) => e.type === "message.created")).toHaveLength(SENDERS * MESSAGES_PER_SENDER);

    console.log(`stream seed ${seed} (NATTER_STREAM_SEED to replay): ${finalSeq} events, ${resumes} resumes`);
    for (const { from, events } of watchers) {
      const seen = await events;
      expect(seen.map((e) => e.seq)).toEqual(log.slice(from).map((e) => e.seq));
      expect(seen).toEqual(log.slice(from));
    }
  });
});
