import type { Message } from "./app-router.js";

/** What a send of yours is matched by: its body, and the room's newest seq when it was sent. */
export interface SentText {
  body: string | null;
  afterSeq: number;
}

/**
 * The sends still waiting for their stored message. A send's stored message can arrive on
 * the live stream before the send's own answer: a stored message by the author, with the
 * same body, after the seq the send was made at, stands for it, each stored message for at
 * most one send. `sent` gives what a send is matched by, or undefined for one that cannot
 * have been stored (refused); `confirmed` holds the ids of stored messages whose send's
 * answer already came (they stand for no other). The one rule of the SDK's live rooms
 * (`createRoomMessages`) and the web app's outbox.
 */
export function awaitingConfirmation<S>(
  sends: readonly S[],
  sent: (send: S) => SentText | undefined,
  stored: readonly Message[],
  authorId: string | undefined,
  confirmed: { has(messageId: string): boolean } = new Set<string>(),
): S[] {
  if (authorId === undefined) return [...sends];
  const claimed = new Set<string>();
  return sends.filter((send) => {
    const text = sent(send);
    const match =
      text &&
      stored.find(
        (message) =>
          !claimed.has(message.id) &&
          !confirmed.has(message.id) &&
          message.authorId === authorId &&
          message.seq > text.afterSeq &&
          message.body === text.body,
      );
    if (match) claimed.add(match.id);
    return !match;
  });
}
