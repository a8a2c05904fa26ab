import { type Database, preparedInsert } from "@natter/db";
import { type Message, NatterError } from "@natter/shared";
import type { Transaction } from "kysely";
import type { AuthSession } from "../../auth/auth-session.js";
import { toTimestamp } from "../../clock/clock.js";
import { storeRoomEvents } from "../../events/room-log.js";
import type { RoomAccess } from "../access/room-access.js";
import { NO_MENTIONS } from "../mentions/resolve-mentions.js";
import { admitSends } from "../moderation/send-restrictions.js";
import type { RoomStateCache } from "../room-writes/room-state-cache.js";
import type { BulkWrite } from "../room-writes/room-writer.js";
import { accessOfTurn, messageCreated, requireSender, sentCounters } from "./message-commands.js";

/**
 * A send that `sendMany` may store with others: no reply, thread, attachments, nor anything
 * its body mentions. Its body has been through the blocked terms already.
 */
export interface PlainSend {
  session: AuthSession;
  body: string;
  clientMessageId: string | null;
}

/**
 * `sendMessage` for several plain sends of one room, in their order, in a few statements for
 * all: the room's turn takes a seq for each, then the checks of each send (its sender's access
 * from the turn, blocks in a direct room, mutes and slow mode) run before anything is written,
 * so that a refused send writes nothing and takes no seq; then the events and the messages in
 * one statement each, and the seqs of refused sends given back. A send whose client id the room
 * already holds (a retry), or that an earlier one of the bulk holds, ends the bulk before it: it
 * runs alone and answers the original, as it would one after the other. The room's members and
 * its senders' names go back as `known`, for the writer's inbox entries.
 */
export async function sendMany(
  trx: Transaction<Database>,
  rooms: RoomStateCache,
  roomId: string,
  sends: readonly PlainSend[],
  now: number,
): Promise<BulkWrite<Message>> {
  const turn = await rooms.takeTurn(trx, roomId, sends.length);
  if (!turn)
    return { outcomes: sends.map(() => ({ ok: false, error: new NatterError("ROOM_NOT_FOUND", "No such room") })) };
  const fresh = sends.slice(0, await newSendCount(trx, roomId, sends));
  const accesses: (RoomAccess | NatterError)[] = [];
  for (const { session } of fresh) accesses.push(await senderAccess(trx, turn, session.userId));
  const refusals = await admitSends(
    trx,
    fresh.flatMap(({ session }, i) => {
      const access = accesses[i];
      return access instanceof NatterError ? [] : [{ access: access as RoomAccess, userId: session.userId }];
    }),
    now,
  );
  const at = toTimestamp(now);
  // Every send of the bulk counts in the same room and hour: one object of deltas for all.
  const counters = sentCounters({ roomId, createdAt: at });
  const outcomes: BulkWrite<Message>["outcomes"][number][] = [];
  const events: ReturnType<typeof createdAt>[] = [];
  const clientIds: (string | null)[] = [];
  let admittedIndex = 0;
  for (const [i, { session, body, clientMessageId }] of fresh.entries()) {
    const access = accesses[i];
    const refusal = access instanceof NatterError ? access : refusals[admittedIndex++];
    if (refusal) {
      outcomes.push({ ok: false, error: refusal });
      continue;
    }
    const event = createdAt(roomId, turn.seq + events.length, session.userId, body, at, now);
    events.push(event);
    clientIds.push(clientMessageId);
    outcomes.push({
      ok: true,
      write: { events: [event], result: event.message, counters },
    });
  }
  if (events.length > 0) {
    await storeRoomEvents(trx, events);
    await insertMessages(trx, events, clientIds);
  }
  if (events.length < sends.length) await rooms.returnSeqs(trx, roomId, sends.length - events.length);
  const usernames = new Map(fresh.map(({ session }) => [session.userId, session.username]));
  return { outcomes, known: Object.assign({}, turn, { usernames }) };
}

/**
 * A plain message's `message.created` event at `seq`, as its room's log stores it. A literal,
 * not a spread of `messageCreated`'s answer: V8 missed its inline cache on each property added
 * after the spread, a runtime call each.
 */
function createdAt(roomId: string, seq: number, authorId: string, body: string, at: string, now: number) {
  const { type, actorId, message } = messageCreated(
    roomId,
    seq,
    authorId,
    body,
    { replyToId: null, threadId: null, alsoInRoom: false },
    NO_MENTIONS,
    now,
  );
  return { type, actorId, message, roomId, seq, at };
}

/** The sender's access, or the error their send is refused with (`sendMessage`'s checks before its writes). */
async function senderAccess(
  trx: Transaction<Database>,
  turn: Parameters<typeof accessOfTurn>[0],
  userId: string,
): Promise<RoomAccess | NatterError> {
  try {
    const access = accessOfTurn(turn, userId);
    await requireSender(trx, access, userId);
    return access;
  } catch (error) {
    if (error instanceof NatterError) return error;
    throw error;
  }
}

/**
 * How many of `sends`, from the first, are new: up to the first whose client id the room
 * already holds for its author, or an earlier send of the bulk does.
 */
async function newSendCount(trx: Transaction<Database>, roomId: string, sends: readonly PlainSend[]): Promise<number> {
  const identified = sends.filter(({ clientMessageId }) => clientMessageId !== null);
  if (identified.length === 0) return sends.length;
  // Both lists: the index on (room, author, client id) is searched for each pair, not the room's every id.
  const held = await trx
    .selectFrom("messages")
    .select(["author_id", "client_message_id"])
    .where("room_id", "=", roomId)
    .where("author_id", "in", [...new Set(identified.map(({ session }) => session.userId))])
    .where(
      "client_message_id",
      "in",
      identified.map(({ clientMessageId }) => clientMessageId as string),
    )
    .execute();
  const seen = new Set(held.map((row) => `${row.author_id} ${row.client_message_id}`));
  for (const [i, { session, clientMessageId }] of sends.entries()) {
    if (clientMessageId === null) continue;
    const key = `${session.userId} ${clientMessageId}`;
    if (seen.has(key)) return i;
    seen.add(key);
  }
  return sends.length;
}

/** Stores the messages of `events`, in one statement; `clientIds[i]` is the client id of `events[i]`'s. */
async function insertMessages(
  trx: Transaction<Database>,
  events: readonly { message: Message }[],
  clientIds: readonly (string | null)[],
): Promise<void> {
  await insertPlainMessages(
    trx,
    events.map(({ message }, i) => ({
      id: message.id,
      room_id: message.roomId,
      seq: message.seq,
      author_id: message.authorId,
      body: message.body,
      client_message_id: clientIds[i] ?? null,
      created_at: message.createdAt,
    })),
  );
}

/** Plain messages' rows: no reply, no thread. */
const insertPlainMessages = preparedInsert(
  "messages",
  ["id", "room_id", "seq", "author_id", "body", "client_message_id", "created_at"],
  { reply_to_id: null, thread_id: null, also_in_room: 0 },
);
