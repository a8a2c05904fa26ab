import { hourOf, messageShardOf, messagesCounter, messagesInHourCounter } from "@natter/db";
import type SQLite from "better-sqlite3";

/**
 * natter's writes of a send as the bare servers make them by hand on natter's SQLite schema
 * (`bench:send`'s bare server, `bench:fanout`'s durable peers): one place for their SQL.
 */
export function bareSendStatements(db: SQLite.Database) {
  return {
    /** The room's next seq: `(roomId)` → `{ last_seq }`. */
    nextSeq: db.prepare("update rooms set last_seq = last_seq + 1 where id = ? returning last_seq"),
    /** `(roomId, seq, type, actorId, payload, createdAt, messageId)`. */
    insertEvent: db.prepare(
      "insert into room_events (room_id, seq, type, actor_id, payload, created_at, message_id) values (?, ?, ?, ?, ?, ?, ?)",
    ),
    /** `(id, roomId, seq, authorId, body, createdAt)`. */
    insertMessage: db.prepare(
      "insert into messages (id, room_id, seq, author_id, body, reply_to_id, client_message_id, created_at) values (?, ?, ?, ?, ?, null, null, ?)",
    ),
    /** Adds one to each of two counters: `(name, name)`, such as `messageCountersOf`'s. */
    bumpCounters: db.prepare(
      "insert into stat_counters (name, value) values (?, 1), (?, 1) on conflict (name) do update set value = stat_counters.value + excluded.value",
    ),
  };
}

/** The two counters natter bumps for a message sent to `roomId` at `at`: its shard's total and hour. */
export function messageCountersOf(roomId: string, at: string): [string, string] {
  const shard = messageShardOf(roomId);
  return [messagesCounter(shard), messagesInHourCounter(hourOf(at), shard)];
}
