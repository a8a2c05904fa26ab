import type { Message, RoomEvent } from "./app-router.js";

/** Whether `candidate` is a later state of the same message than `current`. */
function isNewerVersion(candidate: Message, current: Message): boolean {
  if (current.deletedAt !== null) return false;
  if (candidate.deletedAt !== null) return true;
  return (candidate.editedAt ?? "") >= (current.editedAt ?? "");
}

/**
 * Adds messages to a room's messages (oldest first), keeping `seq` order and one entry per
 * id. A page fetched before a live edit arrived may carry an older version: the later
 * version stays. Entries keep their own extra fields (such as `clientMessageId`).
 */
export function mergeMessages<M extends Message>(timeline: readonly M[], incoming: readonly Message[]): readonly M[] {
  if (incoming.length === 0) return timeline;
  const byId = new Map<string, M>(timeline.map((message) => [message.id, message]));
  for (const message of incoming) {
    const current = byId.get(message.id);
    if (!current) byId.set(message.id, message as M);
    else if (isNewerVersion(message, current)) byId.set(message.id, { ...current, ...message });
  }
  return [...byId.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * The messages after one event of the room's log: a created or changed message (any event
 * that carries one) is merged in place, a deleted one becomes a tombstone; events about
 * anything else change nothing.
 */
export function applyRoomEvent<M extends Message>(timeline: readonly M[], event: RoomEvent): readonly M[] {
  if (event.type === "message.deleted")
    return timeline.map((message) =>
      message.id === event.messageId && message.deletedAt === null
        ? { ...message, body: null, deletedAt: event.at, attachments: [] }
        : message,
    );
  const carried = (event as { message?: Message }).message;
  return carried && typeof carried.seq === "number" ? mergeMessages(timeline, [carried]) : timeline;
}
