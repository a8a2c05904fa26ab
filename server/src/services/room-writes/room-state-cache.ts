import { type Database, preparedQuery } from "@natter/db";
import type { RoomKind, RoomRole } from "@natter/shared";
import type { Kysely, Transaction } from "kysely";
import { readRoomEndpoints, type WebhookEndpoint } from "../webhooks/webhook-outbox.js";

/**
 * What a send reads of its room in its first statement: the room's next seqs (one per send),
 * taken, with the room's own fields and the version of what a node may keep of it in memory
 * (`cache_version`, changed by triggers with every member, role and webhook endpoint change of
 * the room). Prepared once, as every send runs it.
 */
const takeTurn = preparedQuery((db, roomId: string, count: number) =>
  db
    .updateTable("rooms")
    .set((eb) => ({ last_seq: eb("last_seq", "+", count) }))
    .where("id", "=", roomId)
    .returning(["last_seq", "cache_version", "is_open", "kind"]),
);

/** Gives back the last seqs a turn took and did not use: no seq is left without its event. */
const returnSeqs = preparedQuery((db, roomId: string, count: number) =>
  db
    .updateTable("rooms")
    .set((eb) => ({ last_seq: eb("last_seq", "-", count) }))
    .where("id", "=", roomId),
);

const membersOf = preparedQuery((db, roomId: string) =>
  db.selectFrom("room_members").select(["user_id", "role"]).where("room_id", "=", roomId),
);

/** A room's turn in a send's transaction: its seq taken, and the room as it stands in this transaction. */
export interface RoomTurn {
  roomId: string;
  /** The first seq the turn took (the room's `last_seq` is already at its last). */
  seq: number;
  open: boolean;
  kind: RoomKind;
  /** The room's members and their roles, as of this transaction. */
  members: ReadonlyMap<string, RoomRole>;
  /** The webhook endpoints that get the room's events (its own and server-wide ones), as of this transaction. */
  endpoints: readonly WebhookEndpoint[];
}

/** What is kept of one room: its members and endpoints as they were at `version`. */
interface Entry {
  version: number;
  members: ReadonlyMap<string, RoomRole>;
  endpoints: readonly WebhookEndpoint[];
}

/** How much is kept: rooms, and members over all of them (a few hundred bytes each). */
const MAX_ROOMS = 10_000;
const MAX_MEMBERS = 200_000;

/**
 * A room's members (with roles) and webhook endpoints, kept in memory per node for sends, so
 * that a send reads neither its sender's role, nor the members its inbox entries go to, nor the
 * endpoints its deliveries go to. An entry is used only inside a transaction whose first
 * statement read the room's `cache_version` equal to the entry's: any change of members, roles or
 * endpoints, on any node and by any writer, changes that version in the same transaction
 * (triggers of migration 0032), so a stale entry is never used, whatever reached this node and
 * when; a kick on one node refuses the next send on every node. The version is random, so one
 * that a rolled-back transaction saw never names another state. Nothing needs invalidating:
 * an entry of an older version is read again and replaced.
 */
export class RoomStateCache {
  /** Entries by room id, least recently used first. */
  private readonly rooms = new Map<string, Entry>();
  private memberCount = 0;

  /**
   * Takes the room's next `count` seqs (its first statement, which on SQLite begins the write
   * and on PostgreSQL takes the room's lock, or follows the writer's), and answers the room as
   * it stands: from memory when the version read matches, else read and kept. Undefined when
   * there is no such room.
   */
  async takeTurn(trx: Transaction<Database>, roomId: string, count = 1): Promise<RoomTurn | undefined> {
    const [row] = (await takeTurn(trx, roomId, count)).rows;
    if (!row) return undefined;
    const version = Number(row.cache_version);
    let entry = this.rooms.get(roomId);
    if (entry?.version === version) {
      // Most recently used last.
      this.rooms.delete(roomId);
      this.rooms.set(roomId, entry);
    } else {
      entry = { version, ...(await readRoomState(trx, roomId)) };
      this.keep(roomId, entry);
    }
    return {
      roomId,
      seq: Number(row.last_seq) - count + 1,
      open: row.is_open === 1,
      kind: row.kind,
      members: entry.members,
      endpoints: entry.endpoints,
    };
  }

  /** Gives back the last `count` seqs of this transaction's turn, which no event took. */
  async returnSeqs(trx: Transaction<Database>, roomId: string, count: number): Promise<void> {
    await returnSeqs(trx, roomId, count);
  }

  private keep(roomId: string, entry: Entry): void {
    this.forget(roomId);
    this.rooms.set(roomId, entry);
    this.memberCount += entry.members.size;
    for (const [oldest] of this.rooms) {
      if (this.rooms.size <= MAX_ROOMS && this.memberCount <= MAX_MEMBERS) break;
      this.forget(oldest);
    }
  }

  private forget(roomId: string): void {
    const entry = this.rooms.get(roomId);
    if (!entry) return;
    this.memberCount -= entry.members.size;
    this.rooms.delete(roomId);
  }
}

/** A room's members with roles, and its endpoints, read in `db`. */
async function readRoomState(db: Kysely<Database>, roomId: string): Promise<Omit<Entry, "version">> {
  const members = new Map((await membersOf(db, roomId)).rows.map((row) => [row.user_id, row.role]));
  return { members, endpoints: await readRoomEndpoints(db, roomId) };
}
