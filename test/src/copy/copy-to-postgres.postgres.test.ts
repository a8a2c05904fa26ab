import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, TABLES_IN_FOREIGN_KEY_ORDER } from "@natter/db";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  createTestDatabase,
  rest,
  runCli,
  signUpMany,
  startTestServer,
  type TestDatabase,
  type TestServer,
  type TestUser,
  wsClient,
} from "../harness/index.js";
import { createdMessages, send, watchRoom } from "../messages/room-fixtures.js";
import { png } from "../uploads/images.js";
import { fetchContent, sendWithAttachments, uploaded } from "../uploads/upload-client.js";

/** Rows per table, as the database holds them. */
async function rowCounts(url: string): Promise<Record<string, number>> {
  const { db, close } = openDatabase(url);
  try {
    const counts: Record<string, number> = {};
    for (const table of TABLES_IN_FOREIGN_KEY_ORDER) {
      const { n } = await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      counts[table] = Number(n);
    }
    return counts;
  } finally {
    await close();
  }
}

/** What a user reads of the server: used to compare the SQLite server with the one on the copy. */
async function whatAliceSees(url: string, token: string, roomId: string) {
  const get = async (path: string) => {
    const res = await rest(url, "GET", path, { token });
    expect(res.status, path).toBe(200);
    return res.body;
  };
  return {
    me: await get("/me"),
    room: await get(`/rooms/${roomId}`),
    members: await get(`/rooms/${roomId}/members?limit=100`),
    history: await get(`/rooms/${roomId}/messages?limit=100`),
    unread: await get("/me/unread"),
    rooms: await get("/rooms?limit=100"),
  };
}

describe("natter copy from a SQLite file to PostgreSQL", () => {
  const dir = mkdtempSync(join(tmpdir(), "natter-copy-"));
  let source: TestDatabase;
  let target: TestDatabase;
  let copied: TestServer | undefined;
  afterAll(async () => {
    await copied?.stop();
    await target?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  // Every kind of row, made through the real server on SQLite.
  let seen: Awaited<ReturnType<typeof whatAliceSees>>;
  let alice: TestUser;
  let roomId: string;
  let lastSeq: number;
  let picture: { url: string; bytes: Buffer };
  beforeAll(async () => {
    source = await createTestDatabase(dir, "sqlite");
    const server = await startTestServer({ dir, database: source, config: { rateLimits: "off" } });
    try {
      const [a, bob, carol] = await signUpMany(server.url, 3);
      alice = a;
      await rest(server.url, "PATCH", "/me", { token: alice.token, body: { displayName: "Alice", bio: "hi" } });
      roomId = (await createRoom(server.url, alice.token, { name: "copied", memberIds: [bob.id, carol.id] })).id;
      await createRoom(server.url, bob.token, { open: true });
      await rest(server.url, "PUT", `/rooms/${roomId}/members/${bob.id}`, {
        token: alice.token,
        body: { role: "admin" },
      });
      const first = await send(server.url, bob, roomId, "first");
      await rest(server.url, "POST", `/rooms/${roomId}/messages`, {
        token: carol.token,
        body: { body: "a reply", replyToId: first.id },
      });
      const edited = await send(server.url, alice, roomId, "to be edited");
      await rest(server.url, "PATCH", `/rooms/${roomId}/messages/${edited.id}`, {
        token: alice.token,
        body: { body: "edited" },
      });
      const gone = await send(server.url, carol, roomId, "to be deleted");
      await rest(server.url, "DELETE", `/rooms/${roomId}/messages/${gone.id}`, { token: carol.token });
      const bytes = png(8, 6);
      const attachment = await uploaded(server.url, alice.token, bytes);
      await sendWithAttachments(server.url, alice.token, roomId, [attachment.id]);
      picture = { url: attachment.url, bytes };
      const avatar = await uploaded(server.url, bob.token, png(5, 5));
      await rest(server.url, "PUT", "/me/avatar", { token: bob.token, body: { uploadId: avatar.id } });
      await send(server.url, bob, roomId, "unread by alice");
      const room = await rest(server.url, "GET", `/rooms/${roomId}`, { token: alice.token });
      lastSeq = room.body.room.lastSeq;
      await rest(server.url, "POST", `/rooms/${roomId}/read`, { token: alice.token, body: { seq: lastSeq - 1 } });
      seen = await whatAliceSees(server.url, alice.token, roomId);
    } finally {
      await server.stop();
    }
    target = await createTestDatabase(dir, "postgres");
  });

  it("copies every table with progress and verifies the counts, then refuses to copy onto it again", async () => {
    const counts = await rowCounts(source.url);
    for (const table of [
      "users",
      "sessions",
      "rooms",
      "room_members",
      "room_events",
      "messages",
      "activity_log",
      "blobs",
      "uploads",
    ]) {
      expect(counts[table], table).toBeGreaterThan(0);
    }

    const copy = await runCli(["copy", "--from", source.url, "--to", target.url]);
    expect(copy.stderr).toBe("");
    expect(copy.code).toBe(0);
    expect(copy.stdout).toContain(`messages: ${counts.messages}/${counts.messages}`);
    expect(copy.stdout).toMatch(/verified: \d+ rows in \d+ tables and the last seq of 2 rooms match/);
    expect(await rowCounts(target.url)).toEqual(counts);

    const again = await runCli(["copy", "--from", source.url, "--to", target.url]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("the target is not empty");
    expect(again.stderr).toContain("--force");
    expect(await rowCounts(target.url)).toEqual(counts);

    const forced = await runCli(["copy", "--from", source.url, "--to", target.url, "--force"]);
    expect(forced.code).toBe(0);
    expect(await rowCounts(target.url)).toEqual(counts);
  });

  it("exits 1 naming each difference when the copy reads back different from the source, and rolls it back", async () => {
    const guarded = await createTestDatabase(dir, "postgres");
    try {
      expect((await runCli(["migrate", "--db", guarded.url])).code).toBe(0);
      const before = await rowCounts(guarded.url);
      // The target itself changes what it is given, through triggers natter knows nothing of:
      // it drops every activity row and stores the copied room one seq short.
      const alter = async (statements: ReturnType<typeof sql>[]) => {
        const { db, close } = openDatabase(guarded.url);
        try {
          for (const statement of statements) await statement.execute(db);
        } finally {
          await close();
        }
      };
      await alter([
        sql`create function drop_row() returns trigger language plpgsql as $$ begin return null; end $$`,
        sql`create trigger drop_activity before insert on activity_log for each row execute function drop_row()`,
        sql`create function seq_short() returns trigger language plpgsql as $$
          begin if new.id = ${sql.lit(roomId)} then new.last_seq := new.last_seq - 1; end if; return new; end $$`,
        sql`create trigger seq_short before insert on rooms for each row execute function seq_short()`,
      ]);
      const counts = await rowCounts(source.url);

      const copy = await runCli(["copy", "--from", source.url, "--to", guarded.url]);
      expect(copy.code).toBe(1);
      expect(copy.stderr).toContain(
        `natter copy: mismatch: activity_log: ${counts.activity_log} rows in the source, 0 copied\n`,
      );
      expect(copy.stderr).toContain(
        `natter copy: mismatch: room ${roomId}: last seq ${lastSeq} in the source, ${lastSeq - 1} copied\n`,
      );
      expect(copy.stderr.trim().split("\n")).toHaveLength(3);
      expect(copy.stderr).toContain("natter copy: the copy differs from the source in 2 places; it was rolled back");
      expect(copy.stdout).not.toContain("verified");
      expect(await rowCounts(guarded.url)).toEqual(before);

      // Rolled back means nothing is left to refuse: without the triggers the same command copies.
      await alter([sql`drop trigger drop_activity on activity_log`, sql`drop trigger seq_short on rooms`]);
      const again = await runCli(["copy", "--from", source.url, "--to", guarded.url]);
      expect(again.stderr).toBe("");
      expect(again.code).toBe(0);
      expect(await rowCounts(guarded.url)).toEqual(counts);
    } finally {
      await guarded.drop();
    }
  });

  it("says in its help what --force does and that uploaded bytes are not in the database", async () => {
    const help = await runCli(["copy", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--force replaces what it holds");
    expect(help.stdout).toContain("uploads directory");
  });

  it("gives a server on the copy the same history, sessions and uploads, and resumes a stream with nothing missed", async () => {
    // Same directory: the blob store the uploads were written to.
    copied = await startTestServer({ dir, database: target, config: { rateLimits: "off" } });
    expect(await whatAliceSees(copied.url, alice.token, roomId)).toEqual(seen);
    const content = await fetchContent(copied.url, picture.url, { token: alice.token });
    expect(content.status).toBe(200);
    expect(content.bytes.equals(picture.bytes)).toBe(true);

    // A watcher that had seen up to three entries before the end resumes from there.
    const resumeFrom = lastSeq - 3;
    const socket = wsClient(copied.url, { token: alice.token });
    const watch = watchRoom(socket.client, roomId, String(resumeFrom));
    await send(copied.url, alice, roomId, "after the move");
    await watch.until("the message sent after the move", (events) =>
      createdMessages(events).some((m) => m.body === "after the move"),
    );
    expect(watch.events.map((e) => e.seq)).toEqual([1, 2, 3, 4].map((i) => resumeFrom + i));
    watch.stop();
    socket.close();
  });
});
