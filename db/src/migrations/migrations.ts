import type { Migration, MigrationProvider } from "kysely";
import type { DatabaseEngine } from "../dialect/database-engine.js";
import { accounts } from "./0001-accounts.js";
import { rooms } from "./0002-rooms.js";
import { messages } from "./0003-messages.js";
import { roomEventMessages } from "./0004-room-event-messages.js";
import { people } from "./0005-people.js";
import { uploads } from "./0006-uploads.js";
import { admin } from "./0007-admin.js";
import { eventStreamTickets } from "./0008-event-stream-tickets.js";
import { messageRetention } from "./0010-message-retention.js";
import { conversations } from "./0020-conversations.js";
import { mentions } from "./0021-a-mentions.js";
import { directRooms } from "./0021-b-direct-rooms.js";
import { messageSearch } from "./0022-message-search.js";
import { webhooks } from "./0023-a-webhooks.js";
import { bots } from "./0023-b-bots.js";
import { roomModeration } from "./0024-room-moderation.js";
import { searchShortCjk } from "./0025-search-short-cjk.js";
import { usernameSkeletons } from "./0026-username-skeletons.js";
import { inbox } from "./0027-a-inbox.js";
import { messageReports } from "./0027-message-reports.js";
import { blockedTerms } from "./0028-blocked-terms.js";
import { push } from "./0029-push.js";
import { accountData } from "./0030-account-data.js";
import { reactionOrder } from "./0031-conv-reaction-order.js";
import { searchWordsColumnsize } from "./0031-search-words-columnsize.js";
import { historyIndex } from "./0032-conv-history-index.js";
import { searchPgCjkBigrams } from "./0032-search-pg-cjk-bigrams.js";
import { searchWordsPageSize } from "./0032-search-words-pgsz.js";
import { roomCacheVersion } from "./0032-send-room-cache-version.js";
import { searchWordsMerge } from "./0033-search-words-merge.js";
import { sendPartialIndexes } from "./0034-send-partial-indexes.js";
import { searchBatchIndex } from "./0035-search-batch-index.js";
import { searchCjkAscii } from "./0036-search-cjk-ascii.js";
import { searchWordsFanout } from "./0037-search-words-fanout.js";
import { searchWordsOptimize } from "./0038-search-words-optimize.js";
import { type ColumnTypes, columnTypesOf } from "./column-types.js";

/** Every migration, in order, for both engines. Names sort; append, never rename or reorder. */
const MIGRATIONS: Record<string, (types: ColumnTypes, engine: DatabaseEngine) => Migration> = {
  "0001-accounts": accounts,
  "0002-rooms": rooms,
  "0003-messages": messages,
  "0004-room-event-messages": roomEventMessages,
  "0005-people": people,
  "0006-uploads": uploads,
  "0007-admin": admin,
  "0008-event-stream-tickets": eventStreamTickets,
  "0010-message-retention": messageRetention,
  "0020-conversations": conversations,
  "0021-a-mentions": mentions,
  "0021-b-direct-rooms": directRooms,
  "0022-message-search": (_types, engine) => messageSearch(engine),
  "0023-a-webhooks": webhooks,
  "0023-b-bots": bots,
  "0024-room-moderation": roomModeration,
  "0025-search-short-cjk": (_types, engine) => searchShortCjk(engine),
  "0026-username-skeletons": usernameSkeletons,
  "0027-a-inbox": inbox,
  "0027-message-reports": messageReports,
  "0028-blocked-terms": blockedTerms,
  "0029-push": push,
  "0030-account-data": accountData,
  "0031-conv-reaction-order": reactionOrder,
  "0031-search-words-columnsize": (_types, engine) => searchWordsColumnsize(engine),
  "0032-conv-history-index": () => historyIndex,
  "0032-search-pg-cjk-bigrams": (_types, engine) => searchPgCjkBigrams(engine),
  "0032-search-words-pgsz": (_types, engine) => searchWordsPageSize(engine),
  "0032-send-room-cache-version": roomCacheVersion,
  "0033-search-words-merge": (_types, engine) => searchWordsMerge(engine),
  "0034-send-partial-indexes": () => sendPartialIndexes,
  "0035-search-batch-index": (_types, engine) => searchBatchIndex(engine),
  "0036-search-cjk-ascii": (_types, engine) => searchCjkAscii(engine),
  "0037-search-words-fanout": (_types, engine) => searchWordsFanout(engine),
  "0038-search-words-optimize": (_types, engine) => searchWordsOptimize(engine),
};

/**
 * Serves the migrations from code, so they run under plain Node, tsx and vitest alike, each
 * with the column types of the engine it migrates (and the engine, for what differs beyond types).
 */
export function migrationProvider(engine: DatabaseEngine): MigrationProvider {
  const types = columnTypesOf(engine);
  const migrations = Object.fromEntries(Object.entries(MIGRATIONS).map(([name, make]) => [name, make(types, engine)]));
  return { getMigrations: async () => migrations };
}

/** The migrations' names, in order: the same on every engine. */
export function migrationNames(): string[] {
  return Object.keys(MIGRATIONS);
}
