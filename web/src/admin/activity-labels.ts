import type { ActivityEntry, ActivityType } from "@natter/client";

/** Every kind of activity-log entry in words; the type checker keeps the list complete. */
export const ACTIVITY_TYPE_LABELS: Readonly<Record<ActivityType, string>> = {
  "user.created": "Account created",
  "user.banned": "User banned",
  "user.deleted": "Account deleted",
  "user.unbanned": "Ban lifted",
  "user.admin_granted": "Server admin granted",
  "user.admin_revoked": "Server admin revoked",
  "room.created": "Room created",
  "room.updated": "Room changed",
  "room.deleted": "Room deleted",
  "member.joined": "Member joined",
  "member.left": "Member left",
  "member.kicked": "Member removed",
  "member.role_changed": "Role changed",
  "member.muted": "Member muted",
  "member.unmuted": "Member unmuted",
  "message.deleted": "Message deleted",
  "report.resolved": "Report resolved",
  "blocked_terms.updated": "Blocked terms changed",
  "webhook.created": "Webhook registered",
  "webhook.updated": "Webhook changed",
  "webhook.deleted": "Webhook deleted",
  "webhook.secret_rotated": "Webhook secret rotated",
  "webhook.disabled": "Webhook disabled",
  "api_key.created": "API key created",
  "api_key.revoked": "API key revoked",
  "bot.deleted": "Bot deleted",
  "incoming_webhook.created": "Incoming webhook created",
  "incoming_webhook.deleted": "Incoming webhook deleted",
};

export const ACTIVITY_TYPES = Object.keys(ACTIVITY_TYPE_LABELS) as ActivityType[];

/** An entry's details as `key: value` pairs of text (never markup). */
export function detailPairs(entry: ActivityEntry): string[] {
  return Object.entries(entry.details ?? {}).map(
    ([key, value]) => `${key}: ${typeof value === "string" ? value : JSON.stringify(value)}`,
  );
}
