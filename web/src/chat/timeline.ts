import type { Message, RoomEvent } from "@natter/client";

/** A room's messages as the app shows them: oldest first, one entry per message id. */
export type Timeline = readonly Message[];

/** Whether `candidate` is a later state of the same message than `current`. */
function isNewerVersion(candidate: Message, current: Message): boolean {
  if (current.deletedAt !== null) return false;
  if (candidate.deletedAt !== null) return true;
  return (candidate.editedAt ?? "") >= (current.editedAt ?? "");
}

/**
 * Adds messages to a timeline, keeping seq order and one entry per id. A page fetched
 * before a live edit arrived may carry an older version: the later version stays.
 */
export function mergeMessages(timeline: Timeline, incoming: readonly Message[]): Timeline {
  if (incoming.length === 0) return timeline;
  const byId = new Map(timeline.map((message) => [message.id, message]));
  for (const message of incoming) {
    const current = byId.get(message.id);
    if (!current || isNewerVersion(message, current)) byId.set(message.id, message);
  }
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/** The timeline after one event of the room's log; events that are not about messages change nothing. */
export function applyRoomEvent(timeline: Timeline, event: RoomEvent): Timeline {
  switch (event.type) {
    case "message.created":
    case "message.edited":
      return mergeMessages(timeline, [event.message]);
    case "message.deleted":
      return timeline.map((message) =>
        message.id === event.messageId && message.deletedAt === null
          ? { ...message, body: null, deletedAt: event.at }
          : message,
      );
    default:
      return timeline;
  }
}

/** The local calendar day of an ISO timestamp, as `YYYY-MM-DD`: where day separators go. */
export function localDay(iso: string): string {
  const date = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** A timeline cut into the local days its messages were written on, oldest first. */
export function groupByDay(timeline: Timeline): { day: string; messages: Message[] }[] {
  const days: { day: string; messages: Message[] }[] = [];
  for (const message of timeline) {
    const day = localDay(message.createdAt);
    const last = days.at(-1);
    if (last?.day === day) last.messages.push(message);
    else days.push({ day, messages: [message] });
  }
  return days;
}
