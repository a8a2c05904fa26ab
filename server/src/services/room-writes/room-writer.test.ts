import {
  migrateToLatest,
  type OpenedDatabase,
  openDatabase,
  SQLITE_SEARCH_DEFER_FROM,
  SQLITE_SEARCH_PENDING,
  SQLITE_SEARCH_TABLES,
} from "@natter/db";
import { NatterError, type RoomEvent } from "@natter/shared";
import { sql } from "kysely";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../clock/clock.js";
import { InProcessRoomEventBus } from "../../events/room-event-bus.js";
import { RoomWriter } from "./room-writer.js";

/** What the pg driver throws when PostgreSQL aborts a transaction that lost a race. */
const lostRace = (code: "40001" | "40P01") => Object.assign(new Error("could not serialize access"), { code });

describe("RoomWriter", () => {
  let database: OpenedDatabase;
  let writer: RoomWriter;
  let published: RoomEvent[];
  const event = { type: "room.deleted", roomId: "r1", seq: 1, actorId: null, at: "x" } as RoomEvent;

  beforeEach(async () => {
    database = openDatabase(":memory:");
    await migrateToLatest(database);
    const events = new InProcessRoomEventBus();
    published = [];
    events.subscribe("r1", { onEvent: (e) => published.push(e) });
    writer = new RoomWriter({ db: database.db, engine: database.engine, clock: systemClock, events });
  });
  afterEach(() => database.close());

  it("runs a change again after a serialization failure or a deadlock, and publishes once", async () => {
    const failures = [lostRace("40001"), lostRace("40P01")];
    let runs = 0;
    const result = await writer.write("r1", async () => {
      runs += 1;
      const failure = failures.shift();
      if (failure) throw failure;
      return { events: [event], result: "done" };
    });
    expect(result).toBe("done");
    expect(runs).toBe(3);
    expect(published).toEqual([event]);
  });

  it("gives up as BUSY (503), not as an internal error, when the change keeps losing", async () => {
    let runs = 0;
    const write = writer.write("r1", async () => {
      runs += 1;
      throw lostRace("40P01");
    });
    await expect(write).rejects.toMatchObject({ code: "BUSY", httpStatus: 503 });
    expect(runs).toBe(8);
    expect(published).toEqual([]);
  });

  it("does not run again a change that failed for any other reason", async () => {
    let runs = 0;
    const write = writer.write("r1", async () => {
      runs += 1;
      throw Object.assign(new Error("unique"), { code: "23505" });
    });
    await expect(write).rejects.toMatchObject({ code: "23505" });
    expect(runs).toBe(1);
  });

  it("commits changes that wait together, each in a savepoint: one that fails is undone alone", async () => {
    const counter = (name: string) =>
      database.db.selectFrom("stat_counters").select("value").where("name", "=", name).executeTakeFirst();
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const order: string[] = [];
    const first = writer.write("r1", async (trx) => {
      await held;
      order.push("first");
      await trx.insertInto("stat_counters").values({ name: "first", value: 1 }).execute();
      return { events: [{ ...event, seq: 1 }], result: "first" };
    });
    // These arrive while the first's transaction runs: they commit together in the next one.
    const refused = writer.write("r1", async (trx) => {
      order.push("refused");
      await trx.insertInto("stat_counters").values({ name: "refused", value: 1 }).execute();
      throw new NatterError("FORBIDDEN", "no");
    });
    const third = writer.write("r1", async (trx) => {
      order.push("third");
      // It reads what the change before it in the batch wrote (none: that one was undone).
      expect(await trx.selectFrom("stat_counters").select("name").where("name", "=", "refused").execute()).toEqual([]);
      await trx.insertInto("stat_counters").values({ name: "third", value: 1 }).execute();
      return { events: [{ ...event, seq: 2 }], result: "third" };
    });
    release();
    await expect(first).resolves.toBe("first");
    await expect(refused).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(third).resolves.toBe("third");
    expect(order).toEqual(["first", "refused", "third"]);
    expect(await counter("first")).toEqual({ value: 1 });
    expect(await counter("refused")).toBeUndefined();
    expect(await counter("third")).toEqual({ value: 1 });
    expect(published.map((e) => e.seq)).toEqual([1, 2]);
  });

  it("commits the changes written in one turn of the event loop in one transaction, though SQLite never waits", async () => {
    const transactions: object[] = [];
    const writes = ["a", "b", "c"].map((name) =>
      writer.write("r1", async (trx) => {
        transactions.push(trx);
        await trx.insertInto("stat_counters").values({ name, value: 1 }).execute();
        return { events: [], result: name };
      }),
    );
    expect(await Promise.all(writes)).toEqual(["a", "b", "c"]);
    expect(transactions).toHaveLength(3);
    expect(new Set(transactions).size).toBe(1);
  });

  it("leaves SQLite's search index to a batch of SQLITE_SEARCH_DEFER_FROM changes or more, to the triggers below", async () => {
    const { db } = database;
    await sql`insert into users (id, username, username_key, password_hash, created_at)
      values ('u1', 'ann', 'ann', 'x', 'x')`.execute(db);
    await sql`insert into rooms (id, name, is_open, member_count, last_seq, created_at)
      values ('r1', 'general', 1, 1, 0, 'x')`.execute(db);
    let seq = 0;
    // Each send answers whether its batch had taken the index's work (a watermark was recorded).
    const send = () =>
      writer.write("r1", async (trx) => {
        seq += 1;
        await trx
          .insertInto("messages")
          .values({ id: `m${seq}`, room_id: "r1", seq, author_id: "u1", body: `wombat ${seq}`, created_at: "x" })
          .execute();
        const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.id(SQLITE_SEARCH_PENDING)}`.execute(
          trx,
        );
        return { events: [], result: Number(rows[0]?.n) };
      });
    const batchOf = (count: number) => Promise.all(Array.from({ length: count }, send));
    expect(await batchOf(SQLITE_SEARCH_DEFER_FROM - 1)).toEqual(Array(SQLITE_SEARCH_DEFER_FROM - 1).fill(0));
    expect(await batchOf(SQLITE_SEARCH_DEFER_FROM)).toEqual(Array(SQLITE_SEARCH_DEFER_FROM).fill(1));
    const words = sql.id(SQLITE_SEARCH_TABLES.words);
    const { rows } = await sql<{ n: number }>`select count(*) as n from ${words} where ${words} match 'wombat'`.execute(
      db,
    );
    expect(rows[0]?.n).toBe(2 * SQLITE_SEARCH_DEFER_FROM - 1);
  });
});
