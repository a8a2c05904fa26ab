import { type OpenedDatabase, openDatabase } from "@natter/db";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  rawHttpTogether,
  rest,
  signUpMany,
  startTestServer,
  TEST_ENGINE,
  type TestUser,
} from "../harness/index.js";
import { waitFor } from "./room-fixtures.js";

/*
 * Sends of one room that arrive while its writer is busy commit together (group commit; plain
 * ones are stored in a few statements for all). Whatever shares a
 * transaction, each send is checked and answered as it would be alone: a refused one stores
 * nothing and takes no seq, a retry answers its original, the log stays gap-free.
 */
describe("sends that wait together", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  /** The server's database, read directly: its log, its rows, and on PostgreSQL the room's lock. */
  let database: OpenedDatabase;
  beforeAll(async () => {
    server = await startTestServer();
    database = openDatabase(server.databaseUrl);
  });
  afterAll(async () => {
    await database?.close();
    await server?.stop();
  });
  const db = () => database.db;

  /** A send of the test: who sends what, with which client id. */
  interface Send {
    as: TestUser;
    body: string;
    clientMessageId?: string;
  }

  /**
   * Runs `sends` in one room so that they wait together and commit together: on SQLite all
   * written at once (the server, in this process, reads them in one turn of its loop and its
   * writer takes them as one batch), on PostgreSQL while a transaction of the test holds the
   * room's row, so that they queue behind it and commit together once it ends. Answers each
   * one's status and JSON body, in order.
   */
  const together = async (roomId: string, sends: readonly Send[]): Promise<{ status: number; body: any }[]> => {
    const path = `/rooms/${roomId}/messages`;
    if (TEST_ENGINE === "sqlite") {
      const answers = await rawHttpTogether(
        server.url,
        sends.map(({ as, body, clientMessageId }) => ({
          method: "POST",
          path: `/api/v1${path}`,
          options: {
            headers: { authorization: `Bearer ${as.token}`, "content-type": "application/json" },
            body: JSON.stringify({ body, clientMessageId }),
          },
        })),
      );
      return answers.map(({ status, body }) => ({ status, body: JSON.parse(body) }));
    }
    const send = ({ as, body, clientMessageId }: Send) =>
      rest(server.url, "POST", path, { token: as.token, body: { body, clientMessageId } });
    let answers: Promise<{ status: number; body: any }[]> | undefined;
    await db()
      .transaction()
      .execute(async (trx) => {
        await sql`select id from rooms where id = ${roomId} for update`.execute(trx);
        answers = Promise.all(sends.map(send));
        await waitFor("a send waiting for the room", async () => {
          const { rows } = await sql<{ waiting: number }>`
          select count(*)::int as waiting from pg_locks where not granted and locktype = 'transactionid'`.execute(db());
          return (rows[0]?.waiting ?? 0) > 0;
        });
      });
    return answers as Promise<{ status: number; body: any }[]>;
  };

  it("checks and answers each send as if alone: refusals store nothing, retries answer the original, seqs stay gap-free", async () => {
    const [owner, admin, talker, retrier, muted, outsider] = await signUpMany(server.url, 6);
    const room = await createRoom(server.url, owner.token, {
      open: false,
      memberIds: [admin.id, talker.id, retrier.id, muted.id],
    });
    await rest(server.url, "PUT", `/rooms/${room.id}/members/${admin.id}`, {
      token: owner.token,
      body: { role: "admin" },
    });
    await rest(server.url, "PATCH", `/rooms/${room.id}`, { token: owner.token, body: { slowModeSeconds: 60 } });
    expect(
      (await rest(server.url, "PUT", `/rooms/${room.id}/mutes/${muted.id}`, { token: owner.token, body: {} })).status,
    ).toBe(200);

    const answers = await together(room.id, [
      { as: owner, body: "one" },
      { as: talker, body: "talker first" },
      { as: owner, body: "two" },
      { as: retrier, body: "retried", clientMessageId: "client-1" },
      { as: muted, body: "muted" },
      { as: talker, body: "talker second" },
      { as: admin, body: `hello @${talker.username}` },
      { as: outsider, body: "outsider" },
      { as: retrier, body: "retried", clientMessageId: "client-1" },
      { as: admin, body: "three" },
      { as: owner, body: "four" },
    ]);
    const [one, talkerFirst, two, retried, mutedSend, talkerSecond, mention, outsiderSend, retriedAgain, three, four] =
      answers;
    for (const created of [one, two, retried, mention, retriedAgain, three, four]) expect(created?.status).toBe(201);
    // Which of the talker's two the slow mode lets through depends on which the writer took first.
    expect([talkerFirst?.status, talkerSecond?.status].sort()).toEqual([201, 429]);
    expect([talkerFirst, talkerSecond].find((answer) => answer?.status === 429)?.body.error.code).toBe("SLOW_MODE");
    expect(mutedSend?.status).toBe(403);
    expect(mutedSend?.body.error.code).toBe("MUTED");
    expect(outsiderSend?.status).toBe(404);
    expect(outsiderSend?.body.error.code).toBe("ROOM_NOT_FOUND");
    expect(retriedAgain?.body.message).toEqual(retried?.body.message);
    expect(mention?.body.message.mentions).toEqual([{ userId: talker.id, username: talker.username }]);

    // Every seq up to the room's last has its event, and each created message is stored at its answer's seq.
    const { last_seq: lastSeq } = await db()
      .selectFrom("rooms")
      .select("last_seq")
      .where("id", "=", room.id)
      .executeTakeFirstOrThrow();
    const logged = await db()
      .selectFrom("room_events")
      .select("seq")
      .where("room_id", "=", room.id)
      .orderBy("seq")
      .execute();
    expect(logged.map((row) => Number(row.seq))).toEqual(Array.from({ length: Number(lastSeq) }, (_, i) => i + 1));
    const created = answers.filter((answer) => answer?.status === 201).map((answer) => answer?.body.message);
    const unique = new Map(created.map((message) => [message.id, message]));
    expect(unique.size).toBe(7);
    const stored = await db()
      .selectFrom("messages")
      .select(["id", "seq", "body"])
      .where("room_id", "=", room.id)
      .orderBy("seq")
      .execute();
    expect(stored.map((row) => ({ id: row.id, seq: Number(row.seq), body: row.body }))).toEqual(
      [...unique.values()]
        .map((message) => ({ id: message.id, seq: message.seq, body: message.body }))
        .sort((a, b) => a.seq - b.seq),
    );
  });
});
