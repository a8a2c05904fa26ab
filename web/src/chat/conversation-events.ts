import type { Message, Reaction, RoomEvent } from "@natter/client";

/** The room events that change a message without carrying it: reactions, thread summaries, pins. */
export type ConversationEvent = Extract<
  RoomEvent,
  { type: "reaction.added" | "reaction.removed" | "thread.updated" | "message.pinned" | "message.unpinned" }
>;

/** Whether a room event is one of the conversation events `applyConversationEvent` applies. */
export function isConversationEvent(event: RoomEvent): event is ConversationEvent {
  return (
    event.type === "reaction.added" ||
    event.type === "reaction.removed" ||
    event.type === "thread.updated" ||
    event.type === "message.pinned" ||
    event.type === "message.unpinned"
  );
}

/**
 * A message's reactions after someone reacted or took a reaction back. The event gives the
 * emoji's new count; `me` changes only when the event is mine (a shared event says nothing of
 * the others' `me`). A new emoji goes last (first-use order); one at zero goes away.
 */
export function reactionsAfter(
  reactions: readonly Reaction[],
  event: Extract<ConversationEvent, { type: "reaction.added" | "reaction.removed" }>,
  myId: string,
): Reaction[] {
  const mine = event.userId === myId;
  const current = reactions.find((reaction) => reaction.emoji === event.emoji);
  if (event.count === 0) return reactions.filter((reaction) => reaction.emoji !== event.emoji);
  const me = mine ? event.type === "reaction.added" : (current?.me ?? false);
  const next = { emoji: event.emoji, count: event.count, me };
  return current
    ? reactions.map((reaction) => (reaction.emoji === event.emoji ? next : reaction))
    : [...reactions, next];
}

/** One message after a conversation event about it (the same message when the event is about another). */
export function messageAfter<M extends Message>(message: M, event: ConversationEvent, myId: string): M {
  if (message.id !== event.messageId || message.deletedAt !== null) {
    // A deleted root still shows its thread.
    if (message.id === event.messageId && event.type === "thread.updated") return withThread(message, event.thread);
    return message;
  }
  switch (event.type) {
    case "reaction.added":
    case "reaction.removed":
      return { ...message, reactions: reactionsAfter(message.reactions, event, myId) };
    case "thread.updated":
      return withThread(message, event.thread);
    case "message.pinned":
      return { ...message, pinnedAt: event.pinnedAt, pinnedBy: event.pinnedBy };
    case "message.unpinned":
      return { ...message, pinnedAt: null, pinnedBy: null };
  }
}

/** A thread left with no reply reads as none, as the server then shows it. */
function withThread<M extends Message>(message: M, thread: NonNullable<Message["thread"]>): M {
  return { ...message, thread: thread.replyCount === 0 ? null : thread };
}

/** Messages after a conversation event: only the message it is about changes. */
export function messagesAfter<M extends Message>(
  messages: readonly M[],
  event: ConversationEvent,
  myId: string,
): readonly M[] {
  return messages.some((message) => message.id === event.messageId)
    ? messages.map((message) => messageAfter(message, event, myId))
    : messages;
}
