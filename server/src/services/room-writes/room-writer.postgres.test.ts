import { migrateToLatest, type OpenedDatabase, openDatabase } from "@natter/db";
import type { RoomEvent } from "@natter/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../../test/src/harness/test-database.js";
import { systemClock } from "../../clock/clock.js";
import { InProcessRoomEventBus } from "../../events/room-event-bus.js";
import { RoomWriter } from "./room-writer.js";

// The PostgreSQL counterpart of room-writer.test.ts's batch: there a change's savepoint is
// released with the next one's making in one simple query, and a failed statement aborts
// the transaction until the rollback to its savepoint.
describe("RoomWriter on PostgreSQL", () => {
  let target: TestDatabase;
  let database: OpenedDatabase;
  beforeAll(async () => {
    target = await createTestDatabase("", "postgres");
    database = openDatabase(target.url, { poolSize: 2 });
    await migrateToLatest(database);
  });
  afterAll(async () => {
    await database.close();
    await target.drop();
  });

  it("commits a batch whose middle change failed in SQL: the others' writes stay, its own is undone", async () => {
    const events = new InProcessRoomEventBus();
    const published: number[] = [];
    await events.subscribe("r1", { onEvent: (e) => published.push(e.seq) });
    const writer = new RoomWriter({ db: database.db, engine: database.engine, clock: systemClock, events });
    const logged = (seq: number) => ({ type: "room.deleted", roomId: "r1", seq, actorId: null, at: "x" }) as RoomEvent;
    const counted = (name: string) => async (trx: Parameters<Parameters<RoomWriter["write"]>[1]>[0]) => {
      await trx.insertInto("stat_counters").values({ name, value: 1 }).execute();
    };
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const holder = writer.write("r1", async (trx) => {
      await held;
      await counted("holder")(trx);
      return { events: [logged(1)], result: "holder" };
    });
    // These wait for the holder's transaction, then commit together in the next one.
    const before = writer.write("r1", async (trx) => {
      await counted("before")(trx);
      return { events: [logged(2)], result: "before" };
    });
    const failing = writer.write("r1", async (trx) => {
      await counted("failing")(trx);
      // A unique violation: PostgreSQL refuses every later statement until the rollback.
      await counted("before")(trx);
      return { events: [logged(99)], result: "failing" };
    });
    const after = writer.write("r1", async (trx) => {
      await counted("after")(trx);
      return { events: [logged(3)], result: "after" };
    });
    release();
    await expect(holder).resolves.toBe("holder");
    await expect(before).resolves.toBe("before");
    await expect(failing).rejects.toMatchObject({ code: "23505" });
    await expect(after).resolves.toBe("after");
    const names = await database.db
      .selectFrom("stat_counters")
      .select("name")
      .where("name", "in", ["holder", "before", "failing", "after"])
      .orderBy("name")
      .execute();
    expect(names.map((row) => row.name)).toEqual(["after", "before", "holder"]);
    expect(published).toEqual([1, 2, 3]);
  });
});
