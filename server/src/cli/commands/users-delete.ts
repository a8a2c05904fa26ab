import type { Database, DatabaseEngine } from "@natter/db";
import type { Kysely } from "kysely";
import { RedisSessionRevocations } from "../../auth/redis-session-revocations.js";
import { InProcessSessionRevocations, type SessionRevocations } from "../../auth/session-revocations.js";
import { systemClock } from "../../clock/clock.js";
import type { Config } from "../../config/config.js";
import { InProcessRoomEventBus } from "../../events/room-event-bus.js";
import { createLogger } from "../../logger.js";
import { RedisConnection } from "../../redis/redis-connection.js";
import { AccountDataService } from "../../services/account-data/account-data-service.js";
import { AccountDeletion } from "../../services/account-data/account-deletion.js";
import { RoomWriter } from "../../services/room-writes/room-writer.js";
import { openBlobStore } from "../../uploads/open-blob-store.js";

/**
 * `natter users delete USERNAME`: what `DELETE /me` does, for an admin at the command line.
 * With Redis configured (`NATTER_REDIS_URL`), the person's sockets close on every running node
 * at once; without, at their session's next check. Room watchers of a running server see the
 * changes on their next read (the command's room events are not published live).
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
  try {
    if (redis) revocations = await RedisSessionRevocations.open(redis, createLogger("warn"));
    const writer = new RoomWriter({ db, engine, clock, events: new InProcessRoomEventBus() });
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
    revocations.close?.();
    await redis?.close();
    await blobs.close();
  }
}
