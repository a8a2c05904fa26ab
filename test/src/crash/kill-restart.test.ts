import { createNatterClient, isNetworkFailure, type NatterClient } from "@natter/client";
import { openDatabase } from "@natter/db";
import { afterAll, describe, expect, it } from "vitest";
import { crashDeployment, createRoom, seededRandom, signUpMany } from "../harness/index.js";
import { waitFor } from "../messages/room-fixtures.js";

const KILLS = 10;
const SENDERS = 4;
const MESSAGES_PER_SENDER = 75;

describe("a server killed with SIGKILL and restarted on the same database", () => {
  const deployment = crashDeployment("crash");
  const clients: NatterClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await deployment.close();
  });

  it("stores every acknowledged message exactly once, with the room's seq gap-free", { timeout: 300_000 }, async () => {
    // A retry (CI runs a failed test once more) starts without the first try's clients, node and database.
    await Promise.all(clients.splice(0).map((client) => client.close()));
    const databaseUrl = await deployment.reset();
    const { nodes } = deployment;
    nodes[0] = await deployment.serve();
    const { port, url } = nodes[0];
    const users = await signUpMany(url, SENDERS);
    const [owner] = users;
    const room = await createRoom(url, owner.token, { open: false, memberIds: users.slice(1).map((u) => u.id) });

    const seed = Number(process.env.NATTER_CRASH_SEED ?? Date.now() % 1_000_000);
    const rand = seededRandom(seed);
    const counts = { sends: 0, acknowledged: 0, kills: 0 };
    /** clientMessageId -> the message id and seq the server acknowledged. */
    const acknowledged = new Map<string, { id: string; seq: number }>();

    /** One sender: each message is retried with its clientMessageId until acknowledged, as the SDK does. */
    async function sender(index: number): Promise<void> {
      const user = users[index] as (typeof users)[number];
      const client = createNatterClient({ url, token: user.token });
      clients.push(client);
      for (let i = 0; i < MESSAGES_PER_SENDER; i += 1) {
        const clientMessageId = `crash-${index}-${i}`;
        // The SDK retries network failures with backoff; past its attempts, the sender starts it over.
        for (;;) {
          counts.sends += 1;
          try {
            const message = await client.sendMessage(room.id, `sender ${index} message ${i}`, {
              clientMessageId,
              onRetry: () => {
                counts.sends += 1;
              },
            });
            acknowledged.set(clientMessageId, { id: message.id, seq: message.seq });
            counts.acknowledged += 1;
            break;
          } catch (error) {
            if (!isNetworkFailure(error)) throw error;
          }
        }
      }
    }

    const sending = Promise.all(Array.from({ length: SENDERS }, (_, index) => sender(index)));
    let failed: unknown;
    sending.catch((error) => {
      failed = error;
    });
    for (let round = 0; round < KILLS; round += 1) {
      // Kill at a random point of the traffic: after some more messages were acknowledged.
      const target = counts.acknowledged + 3 + Math.floor(rand() * 20);
      await waitFor(`${target} acknowledged messages`, () => counts.acknowledged >= target || failed !== undefined);
      if (failed !== undefined) break;
      await nodes[0]?.kill();
      counts.kills += 1;
      nodes[0] = await deployment.serve(port);
    }
    await sending;

    const database = openDatabase(databaseUrl);
    try {
      const stored = await database.db
        .selectFrom("messages")
        .select(["id", "seq", "client_message_id"])
        .where("room_id", "=", room.id)
        .execute();
      const events = await database.db
        .selectFrom("room_events")
        .select("seq")
        .where("room_id", "=", room.id)
        .orderBy("seq")
        .execute();
      const { last_seq } = await database.db
        .selectFrom("rooms")
        .select("last_seq")
        .where("id", "=", room.id)
        .executeTakeFirstOrThrow();
      console.log(
        `crash test (seed ${seed}): ${counts.sends} sends, ${counts.kills} kills, ` +
          `${counts.acknowledged} acknowledged, ${stored.length} stored, room seq 1..${last_seq}`,
      );

      expect(counts.kills).toBe(KILLS);
      expect(counts.acknowledged).toBe(SENDERS * MESSAGES_PER_SENDER);
      // Exactly once: one stored row per clientMessageId, the very row the server acknowledged.
      expect(stored).toHaveLength(acknowledged.size);
      const byClientId = new Map(stored.map((row) => [row.client_message_id, row]));
      for (const [clientMessageId, ack] of acknowledged) {
        expect(byClientId.get(clientMessageId), clientMessageId).toEqual({
          ...ack,
          client_message_id: clientMessageId,
        });
      }
      // Gap-free: the room's log holds 1..last_seq, each once (room.created and the joins first).
      expect(events.map((event) => event.seq)).toEqual(Array.from({ length: last_seq }, (_, i) => i + 1));
      expect(last_seq).toBe(SENDERS + acknowledged.size);
    } finally {
      await database.close();
    }
  });
});
