import {
  bumpCounters,
  type Database,
  hourOf,
  messageShardOf,
  messagesCounter,
  messagesInHourCounter,
  uuidV7,
} from "@natter/db";
import type { Message } from "@natter/shared";
import type { Kysely } from "kysely";

/** Rows per insert statement: 500 × 8 values stays far below SQLite's and PostgreSQL's parameter limits. */
const BATCH = 500;

export interface SentMessagesOptions {
  roomId: string;
  authorId: string;
  count: number;
  /** The body of the `i`-th message (0-based). */
  body: (i: number) => string;
  /** When the first message was sent (ms); each next one a millisecond later. */
  startAt: number;
}

/**
 * Writes `count` messages of one author in one room as a send stores them, only many at a
 * time: the `messages` row (the search index follows through its triggers or generated
 * columns), the room's `message.created` event with the message as a send streams it, the
 * room's `last_seq`, and the statistics counters. For seeding big histories in seconds where
 * 100,000 sends through HTTP would take minutes; no mentions, replies, threads or attachments.
 */
export async function insertSentMessages(db: Kysely<Database>, options: SentMessagesOptions): Promise<void> {
  const { roomId, authorId, count, body, startAt } = options;
  // One transaction: a commit per batch costs PostgreSQL a WAL flush each (and SQLite a sync).
  await db.transaction().execute(async (trx) => {
    const room = await trx.selectFrom("rooms").select("last_seq").where("id", "=", roomId).executeTakeFirstOrThrow();
    let seq = Number(room.last_seq);
    for (let offset = 0; offset < count; offset += BATCH) {
      const messages: Message[] = [];
      for (let i = offset; i < Math.min(count, offset + BATCH); i += 1) {
        seq += 1;
        const at = startAt + i;
        messages.push({
          id: uuidV7(at),
          roomId,
          seq,
          authorId,
          body: body(i),
          replyToId: null,
          createdAt: new Date(at).toISOString(),
          editedAt: null,
          deletedAt: null,
          attachments: [],
          reactions: [],
          threadId: null,
          alsoInRoom: false,
          thread: null,
          pinnedAt: null,
          pinnedBy: null,
          mentions: [],
          mentionsRoom: false,
        });
      }
      const counters: Record<string, number> = {};
      const shard = messageShardOf(roomId);
      for (const message of messages) {
        for (const name of [messagesCounter(shard), messagesInHourCounter(hourOf(message.createdAt), shard)]) {
          counters[name] = (counters[name] ?? 0) + 1;
        }
      }
      await trx
        .insertInto("room_events")
        .values(
          messages.map((message) => ({
            room_id: roomId,
            seq: message.seq,
            type: "message.created",
            actor_id: authorId,
            payload: JSON.stringify({
              type: "message.created",
              actorId: authorId,
              message,
              roomId,
              seq: message.seq,
              at: message.createdAt,
            }),
            created_at: message.createdAt,
            message_id: message.id,
          })),
        )
        .execute();
      await trx
        .insertInto("messages")
        .values(
          messages.map((message) => ({
            id: message.id,
            room_id: roomId,
            seq: message.seq,
            author_id: authorId,
            body: message.body,
            reply_to_id: null,
            client_message_id: null,
            created_at: message.createdAt,
            thread_id: null,
            also_in_room: 0,
          })),
        )
        .execute();
      await bumpCounters(trx, counters);
      await trx.updateTable("rooms").set({ last_seq: seq }).where("id", "=", roomId).execute();
    }
  });
}
