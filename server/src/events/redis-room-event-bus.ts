import type { Database } from "@natter/db";
import type { RoomEvent } from "@natter/shared";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { RedisConnection } from "../redis/redis-connection.js";
import { RedisLogBus } from "./redis-log-bus.js";
import type { RoomEventBus } from "./room-event-bus.js";
import { roomLogOf } from "./room-log-tail.js";

/**
 * The room event bus of several nodes: one Redis channel per room (`RedisLogBus`, whose
 * fan-out, ordering and tail of the log it is), with rooms' logs behind it.
 */
export class RedisRoomEventBus extends RedisLogBus<RoomEvent> implements RoomEventBus {
  constructor(redis: RedisConnection, db: Kysely<Database>, logger: Logger, tailIntervalMs: number) {
    super(redis, { log: roomLogOf(db), channelPrefix: "room:" }, logger, tailIntervalMs);
  }
}
