import type { Database } from "@natter/db";
import type { RoomEvent, RoomEventInput } from "@natter/shared";
import type { Transaction } from "kysely";
import { appendRoomEvent } from "../../events/room-log.js";
import { recordActivity } from "../activity/activity-log.js";

/** A change to a room or its membership: what the room log and the activity table record. */
export type RoomChange = Extract<RoomEventInput, { type: `room.${string}` | `member.${string}` }>;

/**
 * Records a room or membership change inside the caller's transaction: the room's next log
 * entry (for live watchers and history) and a row of the activity table (who did what to
 * whom, when; it outlives the room). Publish the returned event after the commit.
 */
export async function recordRoomChange(
  trx: Transaction<Database>,
  roomId: string,
  change: RoomChange,
  now: number,
  /** What the activity log should know besides what the change says (who moderated it). */
  extraDetail: Record<string, unknown> | null = null,
): Promise<RoomEvent> {
  const event = await appendRoomEvent(trx, roomId, change, now);
  const described = describe(change);
  const subjectId = described.subjectId;
  const detail = extraDetail ? { ...described.detail, ...extraDetail } : described.detail;
  await recordActivity(trx, { action: change.type, actorId: change.actorId, roomId, subjectId, detail }, now);
  return event;
}

/** Whom a change is about, and what else an auditor wants to know of it. */
function describe(change: RoomChange): { subjectId: string | null; detail: Record<string, unknown> | null } {
  switch (change.type) {
    case "room.created":
      return { subjectId: null, detail: { name: change.room.name, open: change.room.open } };
    case "room.updated":
      return {
        subjectId: null,
        detail: { name: change.name, open: change.open, slowModeSeconds: change.slowModeSeconds },
      };
    case "room.deleted":
      return { subjectId: null, detail: null };
    case "member.joined":
      return { subjectId: change.member.userId, detail: { role: change.member.role } };
    case "member.left":
    case "member.kicked":
      return { subjectId: change.userId, detail: null };
    case "member.role_changed":
      return { subjectId: change.userId, detail: { role: change.role } };
    case "member.muted":
      return { subjectId: change.userId, detail: { until: change.until } };
    case "member.unmuted":
      return { subjectId: change.userId, detail: null };
  }
}
