import type { Database } from "@natter/db";
import { DATA_EXPORT_FORMAT, type DataExport, type Me, uploadContentPath } from "@natter/shared";
import type { Kysely, Selectable, SelectQueryBuilder } from "kysely";
import { toTimestamp } from "../../clock/clock.js";
import { keysetPages } from "./keyset-pages.js";

/** Rows read (and written out) at a time: one page of each section is all an export holds. */
export const EXPORT_PAGE_SIZE = 500;

type Sections = Omit<DataExport, "format" | "exportedAt" | "profile">;
type Item<K extends keyof Sections> = Sections[K][number];

export interface DataExportDeps {
  db: Kysely<Database>;
  /** The caller's own user object, as `GET /me` answers it. */
  profile: (userId: string) => Promise<Me>;
}

/**
 * The text of one person's export (`DataExport`), in pieces as they are read: a few hundred
 * rows at a time, each section read in keyset pages, so that memory stays bounded however
 * much the person wrote. Consumed through a stream, each page is read only once the one before
 * has been taken (backpressure). Not a snapshot: what changes during the export may show
 * in one section and not in another.
 */
export async function* dataExportText(deps: DataExportDeps, userId: string, now: number): AsyncGenerator<string> {
  const { db } = deps;
  const head = { format: DATA_EXPORT_FORMAT, exportedAt: toTimestamp(now), profile: await deps.profile(userId) };
  yield JSON.stringify(head).slice(0, -1);
  const sections: { [K in keyof Sections]: AsyncGenerator<Item<K>[]> } = {
    sessions: sessionPages(db, userId),
    rooms: roomPages(db, userId),
    messages: messagePages(db, userId),
    reactions: reactionPages(db, userId),
    uploads: uploadPages(db, userId),
    reports: reportPages(db, userId),
    blocks: blockPages(db, userId),
    mutes: mutePages(db, userId),
    apiKeys: apiKeyPages(db, userId),
    pushSubscriptions: pushSubscriptionPages(db, userId),
  };
  for (const [name, pages] of Object.entries(sections)) {
    yield `,${JSON.stringify(name)}:[`;
    let first = true;
    for await (const page of pages as AsyncGenerator<unknown[]>) {
      const text = page.map((item) => JSON.stringify(item)).join(",");
      yield first ? text : `,${text}`;
      first = false;
    }
    yield "]";
  }
  yield "}";
}

function sessionPages(db: Kysely<Database>, userId: string): AsyncGenerator<Item<"sessions">[]> {
  return ownedPages(db, "sessions", { owner: "user_id", key: "id" }, userId, (row) => ({
    id: row.id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.idle_expires_at < row.absolute_expires_at ? row.idle_expires_at : row.absolute_expires_at,
    userAgent: row.user_agent,
  }));
}

function roomPages(db: Kysely<Database>, userId: string): AsyncGenerator<Item<"rooms">[]> {
  return mapped(
    keysetPages(
      (after, limit) =>
        db
          .selectFrom("room_members")
          .innerJoin("rooms", "rooms.id", "room_members.room_id")
          .select([
            "rooms.id",
            "rooms.name",
            "rooms.kind",
            "rooms.direct_key",
            "room_members.role",
            "room_members.joined_at",
            "room_members.read_seq",
            "room_members.read_at",
          ])
          .where("room_members.user_id", "=", userId)
          .$if(after !== null, (q) => q.where("room_members.room_id", ">", after as string))
          .orderBy("room_members.room_id")
          .limit(limit)
          .execute(),
      (row) => row.id,
      EXPORT_PAGE_SIZE,
    ),
    (row) => ({
      id: row.id,
      name: row.name,
      kind: row.kind,
      role: row.role,
      joinedAt: row.joined_at,
      readSeq: Number(row.read_seq),
      readAt: row.read_at,
      directWith: row.direct_key?.split(" ").find((id) => id !== userId) ?? null,
    }),
  );
}

async function* messagePages(db: Kysely<Database>, userId: string): AsyncGenerator<Item<"messages">[]> {
  const pages = keysetPages(
    (after, limit) =>
      db
        .selectFrom("messages")
        .select(["id", "room_id", "seq", "thread_id", "reply_to_id", "body", "created_at", "edited_at", "deleted_at"])
        .where("author_id", "=", userId)
        .$if(after !== null, (q) => q.where("id", ">", after as string))
        .orderBy("id")
        .limit(limit)
        .execute(),
    (row) => row.id,
    EXPORT_PAGE_SIZE,
  );
  for await (const rows of pages) {
    const attached = await db
      .selectFrom("uploads")
      .select(["id", "message_id"])
      .where(
        "message_id",
        "in",
        rows.map((row) => row.id),
      )
      .orderBy("message_id")
      .orderBy("position")
      .execute();
    const byMessage = new Map<string, string[]>();
    for (const upload of attached) {
      if (upload.message_id === null) continue;
      const ids = byMessage.get(upload.message_id) ?? [];
      ids.push(upload.id);
      byMessage.set(upload.message_id, ids);
    }
    yield rows.map((row) => ({
      id: row.id,
      roomId: row.room_id,
      seq: Number(row.seq),
      threadId: row.thread_id,
      replyToId: row.reply_to_id,
      body: row.body,
      createdAt: row.created_at,
      editedAt: row.edited_at,
      deletedAt: row.deleted_at,
      attachmentIds: byMessage.get(row.id) ?? [],
    }));
  }
}

function reactionPages(db: Kysely<Database>, userId: string): AsyncGenerator<Item<"reactions">[]> {
  // Keyed by message and emoji, which together with the user make the row's key.
  return mapped(
    keysetPages(
      (after, limit) => {
        const [messageId, emoji] = after === null ? [null, null] : (JSON.parse(after) as [string, string]);
        return db
          .selectFrom("message_reactions")
          .select(["message_id", "room_id", "emoji", "created_at"])
          .where("user_id", "=", userId)
          .$if(messageId !== null, (q) =>
            q.where((eb) =>
              eb.or([
                eb("message_id", ">", messageId as string),
                eb.and([eb("message_id", "=", messageId as string), eb("emoji", ">", emoji as string)]),
              ]),
            ),
          )
          .orderBy("message_id")
          .orderBy("emoji")
          .limit(limit)
          .execute();
      },
      (row) => JSON.stringify([row.message_id, row.emoji]),
      EXPORT_PAGE_SIZE,
    ),
    (row) => ({ messageId: row.message_id, roomId: row.room_id, emoji: row.emoji, createdAt: row.created_at }),
  );
}

function uploadPages(db: Kysely<Database>, userId: string): AsyncGenerator<Item<"uploads">[]> {
  return ownedPages(db, "uploads", { owner: "owner_id", key: "id" }, userId, (row) => ({
    id: row.id,
    url: uploadContentPath(row.id),
    sha256: row.sha256,
    contentType: row.content_type,
    size: Number(row.size),
    width: Number(row.width),
    height: Number(row.height),
    filename: row.filename,
    createdAt: row.created_at,
    messageId: row.message_id,
    roomId: row.room_id,
  }));
}

function reportPages(db: Kysely<Database>, userId: string): AsyncGenerator<Item<"reports">[]> {
  return ownedPages(db, "message_reports", { owner: "reporter_id", key: "id" }, userId, (row) => ({
    id: row.id,
    roomId: row.room_id,
    messageId: row.message_id,
    reason: row.reason,
    note: row.note,
    status: row.status,
    createdAt: row.created_at,
  }));
}

function blockPages(db: Kysely<Database>, userId: string): AsyncGenerator<Item<"blocks">[]> {
  return ownedPages(db, "user_blocks", { owner: "blocker_id", key: "blocked_id" }, userId, (row) => ({
    userId: row.blocked_id,
    createdAt: row.created_at,
  }));
}

function mutePages(db: Kysely<Database>, userId: string): AsyncGenerator<Item<"mutes">[]> {
  return ownedPages(db, "room_mutes", { owner: "user_id", key: "room_id" }, userId, (row) => ({
    roomId: row.room_id,
    until: row.until,
    reason: row.reason,
    createdAt: row.created_at,
  }));
}

function apiKeyPages(db: Kysely<Database>, userId: string): AsyncGenerator<Item<"apiKeys">[]> {
  return ownedPages(db, "api_keys", { owner: "created_by", key: "id" }, userId, (row) => ({
    id: row.id,
    botUserId: row.user_id,
    name: row.name,
    prefix: row.prefix,
    scopes: JSON.parse(row.scopes) as string[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  }));
}

function pushSubscriptionPages(db: Kysely<Database>, userId: string): AsyncGenerator<Item<"pushSubscriptions">[]> {
  return ownedPages(db, "push_subscriptions", { owner: "user_id", key: "id" }, userId, (row) => ({
    id: row.id,
    endpoint: row.endpoint,
    createdAt: row.created_at,
  }));
}

/**
 * One person's rows of a table in keyset pages of `key`, each row mapped: what most
 * sections are. Whole rows are read; only what `map` picks is written out.
 */
function ownedPages<T extends keyof Database, Out>(
  db: Kysely<Database>,
  table: T,
  { owner, key }: { owner: string; key: string },
  userId: string,
  map: (row: Selectable<Database[T]>) => Out,
): AsyncGenerator<Out[]> {
  // The table is one of several, so its columns are named by string: checked by the tests, not the compiler.
  const rows = db.selectFrom(table as "users").selectAll() as unknown as SelectQueryBuilder<
    Record<string, Record<string, unknown>>,
    string,
    Record<string, string>
  >;
  return mapped(
    keysetPages(
      (after, limit) =>
        rows
          .where(owner, "=", userId)
          .$if(after !== null, (q) => q.where(key, ">", after as string))
          .orderBy(key)
          .limit(limit)
          .execute(),
      (row) => row[key] as string,
      EXPORT_PAGE_SIZE,
    ),
    (row) => map(row as unknown as Selectable<Database[T]>),
  );
}

/** Each page of `pages` mapped row by row. */
async function* mapped<Row, Out>(pages: AsyncGenerator<Row[]>, map: (row: Row) => Out): AsyncGenerator<Out[]> {
  for await (const rows of pages) yield rows.map(map);
}
