import { setTimeout as sleep } from "node:timers/promises";
import { type Database, type DatabaseEngine, isRetryableConflict } from "@natter/db";
import { NatterError, type RoomEvent } from "@natter/shared";
import type { Kysely, Transaction } from "kysely";
import type { Clock } from "../../clock/clock.js";
import type { InboxEntry } from "../../events/inbox-log.js";
import type { LogBus, RoomEventBus } from "../../events/room-event-bus.js";
import { projectInbox } from "../inbox/inbox-projection.js";
import { queuePushNotifications } from "../push/push-outbox.js";
import { queueRoomEventDeliveries } from "../webhooks/webhook-outbox.js";

/** What a room change did: the log entries to publish once committed, and the caller's answer. */
export interface RoomWrite<T> {
  events: readonly RoomEvent[];
  result: T;
}

/** A room change: runs inside the writer's transaction, at the instant `now`. */
export type RoomChangeOf<T> = (trx: Transaction<Database>, now: number) => Promise<RoomWrite<T>>;

export interface RoomWriterDeps {
  db: Kysely<Database>;
  engine: DatabaseEngine;
  clock: Clock;
  events: RoomEventBus;
  /** Where users' inbox entries are published; none: they are only stored (the command line's writes). */
  inbox?: LogBus<InboxEntry>;
  /** Called after a commit that queued webhook deliveries, so that they are sent at once. */
  onWebhooksQueued?: () => void;
  /** Called after a commit that queued push notifications, so that they are sent at once. */
  onPushQueued?: () => void;
}

/** Runs of one change before it is given up as BUSY; each loses only to a change that committed. */
const MAX_ATTEMPTS = 8;

/**
 * The one way to change a room: a transaction whose first statement locks the room's row,
 * so that changes of one room run one after the other and each reads what the previous one
 * committed (who is a member, with which role, whether a message is deleted), on every
 * engine and every node. SQLite needs no lock: `begin immediate` already admits one writer
 * at a time. A transaction that PostgreSQL aborts for a deadlock or a serialization failure
 * (with rows other than the room's: sessions, users, uploads) is run again from the start,
 * a bounded number of times, then refused as BUSY (503), never as an internal error. The
 * events are published only after the commit; the webhook deliveries they make are queued
 * in the outbox inside the transaction, so a commit never goes without them, and so are the
 * users' inbox entries they mean (`projectInbox`), published after the room's events.
 */
export class RoomWriter {
  constructor(private readonly deps: RoomWriterDeps) {}

  /**
   * Runs `change` for the room `roomId` (null for a room that does not exist yet), commits,
   * publishes its events and answers its result. A NatterError thrown by the change rolls
   * it back and reaches the caller as it is.
   */
  async write<T>(roomId: string | null, change: RoomChangeOf<T>): Promise<T> {
    const { db, clock, events } = this.deps;
    for (let attempt = 1; ; attempt++) {
      let outcome: RoomWrite<T>;
      let queuedWebhooks = false;
      let queuedPush = false;
      let inboxEntries: InboxEntry[] = [];
      try {
        outcome = await db.transaction().execute(async (trx) => {
          if (roomId !== null) await this.lockRoom(trx, roomId);
          const now = clock.now();
          const write = await change(trx, now);
          queuedWebhooks = await queueRoomEventDeliveries(trx, write.events, now);
          inboxEntries = await projectInbox(trx, write.events, now);
          queuedPush = await queuePushNotifications(trx, inboxEntries, now);
          return write;
        });
      } catch (error) {
        if (!isRetryableConflict(error)) throw error;
        if (attempt === MAX_ATTEMPTS) {
          throw new NatterError(
            "BUSY",
            "The room is too busy to make this change now; try again",
            { retryAfterSeconds: 1 },
            { cause: error },
          );
        }
        // Random waits keep the losers of one race from meeting again at the same instant.
        await sleep(Math.random() * 5 * 2 ** attempt);
        continue;
      }
      if (queuedWebhooks) this.deps.onWebhooksQueued?.();
      if (queuedPush) this.deps.onPushQueued?.();
      if (outcome.events.length > 0) await events.publish(outcome.events);
      if (inboxEntries.length > 0) await this.deps.inbox?.publish(inboxEntries);
      return outcome.result;
    }
  }

  /** Waits for, then holds until the commit, the room row's write lock (PostgreSQL). */
  private async lockRoom(trx: Transaction<Database>, roomId: string): Promise<void> {
    if (this.deps.engine === "sqlite") return;
    await trx.selectFrom("rooms").select("id").where("id", "=", roomId).forUpdate().execute();
  }
}
