import type { ApiKeyScope, WebhookDelivery, WebhookEventType } from "@natter/client";

/** Every event a webhook may subscribe to, in words; the type checker keeps the list complete. */
export const WEBHOOK_EVENT_LABELS: Readonly<Record<WebhookEventType, string>> = {
  "message.created": "Message sent",
  "message.edited": "Message edited",
  "message.deleted": "Message deleted",
  "message.pinned": "Message pinned",
  "message.unpinned": "Message unpinned",
  "reaction.added": "Reaction added",
  "reaction.removed": "Reaction removed",
  "thread.updated": "Thread replied to",
  "member.joined": "Member joined",
  "member.left": "Member left",
  "member.kicked": "Member removed",
  "member.role_changed": "Role changed",
  "member.muted": "Member muted",
  "member.unmuted": "Member unmuted",
  "room.created": "Room created",
  "room.updated": "Room changed",
  "room.deleted": "Room deleted",
  "user.created": "Account created (server-wide only)",
};

export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENT_LABELS) as WebhookEventType[];

/** What each API key scope lets a key do, in words (the server documents the exact list). */
export const API_KEY_SCOPE_LABELS: Readonly<Record<ApiKeyScope, string>> = {
  "messages:read": "Read messages, threads, reactions and room events",
  "messages:write": "Send, edit, delete and react",
  "rooms:read": "See rooms and their members",
  "rooms:write": "Create, change, join and leave rooms",
  "users:read": "See users",
};

export const API_KEY_SCOPES = Object.keys(API_KEY_SCOPE_LABELS) as ApiKeyScope[];

/** How a delivery's latest attempt went, in a line of text. */
export function attemptText(delivery: WebhookDelivery): string {
  const last = delivery.lastAttempt;
  if (!last) return "not tried yet";
  const answer = last.statusCode === null ? (last.error ?? "no answer") : `HTTP ${last.statusCode}`;
  return `${answer} in ${last.durationMs} ms`;
}
