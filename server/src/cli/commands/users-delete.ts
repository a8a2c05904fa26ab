import type { Database, DatabaseEngine } from "@natter/db";
import type { Kysely } from "kysely";
import { RedisSessionRevocations } from "../../auth/redis-session-revocations.js";
import { InProcessSessionRevocations, type SessionRevocations } from "../../auth/session-revocations.js";
import { systemClock } from "../../clock/clock.js";
import type { Config } from "../../config/config.js";
import { RedisInboxBus } from "../../events/redis-inbox-bus.js";
import { RedisRoomEventBus } from "../../events/redis-room-event-bus.js";
import { InProcessRoomEventBus, type RoomEventBus } from "../../events/room-event-bus.js";
import { createLogger } from "../../logger.js";
import { RedisConnection } from "../../redis/redis-connection.js";
import { AccountDataService } from "../../services/account-data/account-data-service.js";
import { AccountDeletion } from "../../services/account-data/account-deletion.js";
import { RoomWriter } from "../../services/room-writes/room-writer.js";
import { openBlobStore } from "../../uploads/open-blob-store.js";

/** The buses' log tails' period; they stay idle here, as the command follows no room. */
const TAIL_INTERVAL_MS = 500;

/**
 * `natter users delete USERNAME`: what `DELETE /me` does, for an admin at the command line.
 * With Redis configured (`NATTER_REDIS_URL`), the person's sockets close on every running node
 * at once, and the room changes (tombstones, reactions taken back, the leaves) are published on
 * the bus as a server publishes its own, so the nodes' watchers see them live. Without Redis
 * (one server on SQLite), the person's sessions end at their next check (the session cache
 * keeps a token for 1 s) and the server's watchers see the changes when they next read the
 * room (a reconnect's catch-up, a history page): a server tells its watchers only of what it
 * wrote itself.
 */
export async function deleteUserFromCli(
  db: Kysely<Database>,
  config: Config,
  engine: DatabaseEngine,
  username: string,
): Promise<string> {
  const clock = systemClock;
  const blobs = await openBlobStore(config);
  const redis = config.redisUrl ? await RedisConnection.open(config.redisUrl, config.redisPrefix) : undefined;
  let revocations: SessionRevocations & { close?: () => void } = new InProcessSessionRevocations();
  const buses: { close(): void }[] = [];
  try {
    if (redis) revocations = await RedisSessionRevocations.open(redis, createLogger("warn"));
    let events: RoomEventBus = new InProcessRoomEventBus();
    let inbox: RedisInboxBus | undefined;
    if (redis) {
      // Publish only: the command follows no room, so the buses' tails never read anything.
      const logger = createLogger("warn");
      const redisEvents = new RedisRoomEventBus(redis, db, logger, TAIL_INTERVAL_MS);
      inbox = new RedisInboxBus(redis, db, logger, TAIL_INTERVAL_MS);
      buses.push(redisEvents, inbox);
      events = redisEvents;
    }
    const writer = new RoomWriter({ db, engine, clock, events, ...(inbox && { inbox }) });
    const deletion = new AccountDeletion({ db, writer, blobs, clock, revocations, mode: config.accountDeletion });
    const refused = () => Promise.reject(new Error("not used by the command line"));
    const service = new AccountDataService({
      db,
      clock,
      accounts: { confirmPassword: refused },
      profiles: { me: refused },
      deletion,
    });
    return await service.deleteByUsername(username);
  } finally {
    for (const bus of buses) bus.close();
    revocations.close?.();
    await redis?.close();
    await blobs.close();
  }
}
