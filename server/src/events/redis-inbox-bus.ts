import type { Database } from "@natter/db";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { RedisConnection } from "../redis/redis-connection.js";
import { decodeInboxBatch, encodeInboxBatch } from "./inbox-batch.js";
import { type InboxEntry, inboxLogOf } from "./inbox-log.js";
import { RedisLogBus } from "./redis-log-bus.js";
import type { LogBus } from "./room-event-bus.js";

/**
 * The inbox entries' one channel (under the node's Redis prefix). Named after its format
 * (`encodeInboxBatch`): a node of another format listens to another channel, so during a
 * rolling upgrade each reads only what it can, and its tail reads the rest from the log.
 */
export const INBOX_CHANNEL = "inbox-batches.2";

/**
 * The inbox bus of several nodes: users' inboxes behind `RedisLogBus` (its ordering per user
 * and its tail of the log), on ONE channel for every user, one message per publish (a
 * message's entries for every member of its room, `InboxBatch`), where a channel per user
 * cost a publish per member and a message per member to parse on the receiving node: a room
 * event costs one of each. Every node with an inbox watcher receives every batch, and builds
 * entries only for the users it follows.
 */
export class RedisInboxBus extends RedisLogBus<InboxEntry> implements LogBus<InboxEntry> {
  constructor(redis: RedisConnection, db: Kysely<Database>, logger: Logger, tailIntervalMs: number) {
    super(
      redis,
      {
        log: inboxLogOf(db),
        channelPrefix: "inbox:",
        shared: {
          channel: INBOX_CHANNEL,
          encode: encodeInboxBatch,
          decode: decodeInboxBatch,
        },
      },
      logger,
      tailIntervalMs,
    );
  }
}
