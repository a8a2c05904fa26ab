import type { Database } from "@natter/db";
import type { Kysely } from "kysely";
import webPush from "web-push";
import { toTimestamp } from "../../clock/clock.js";
import type { VapidKeys } from "./push-ports.js";

/** The `server_keys` row of the generated VAPID key pair. */
const VAPID_KEY_NAME = "vapid";

/** What configuration says about the VAPID keys. */
export interface VapidSettings {
  publicKey?: string | undefined;
  privateKey?: string | undefined;
  subject: string;
}

/**
 * The server's VAPID keys: the configured pair, or the pair kept in the database, generated
 * by whichever node first needs one. Nodes starting at once each try to insert their own and
 * keep nothing of theirs but what the database holds afterwards, so they all agree.
 */
export async function loadVapidKeys(db: Kysely<Database>, settings: VapidSettings, now: number): Promise<VapidKeys> {
  const { subject } = settings;
  if (settings.publicKey !== undefined && settings.privateKey !== undefined) {
    return { publicKey: settings.publicKey, privateKey: settings.privateKey, subject };
  }
  const stored = await readStored(db);
  if (stored) return { ...stored, subject };
  const generated = webPush.generateVAPIDKeys();
  await db
    .insertInto("server_keys")
    .values({ name: VAPID_KEY_NAME, value: JSON.stringify(generated), created_at: toTimestamp(now) })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  const kept = await readStored(db);
  if (!kept) throw new Error("the VAPID key pair was not stored");
  return { ...kept, subject };
}

async function readStored(db: Kysely<Database>): Promise<{ publicKey: string; privateKey: string } | undefined> {
  const row = await db.selectFrom("server_keys").select("value").where("name", "=", VAPID_KEY_NAME).executeTakeFirst();
  if (!row) return undefined;
  const { publicKey, privateKey } = JSON.parse(row.value) as { publicKey: string; privateKey: string };
  return { publicKey, privateKey };
}
