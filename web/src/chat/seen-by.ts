import type { Message } from "@natter/client";

/**
 * Who has read up to each message: every member but me is placed under the newest message
 * shown at or before their read position (a position may be any event of the room's log, a
 * reaction say). Members who read less than the oldest message shown are not placed.
 * Returns user ids by message id, in user id order.
 */
export function seenByMessage(
  messages: readonly Message[],
  receipts: Readonly<Record<string, number>>,
  myId: string,
): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  for (const userId of Object.keys(receipts).sort()) {
    const lastReadSeq = receipts[userId] ?? 0;
    if (userId === myId) continue;
    const read = findLastAtOrBefore(messages, lastReadSeq);
    if (!read) continue;
    seen.set(read.id, [...(seen.get(read.id) ?? []), userId]);
  }
  return seen;
}

/** The newest message with `seq <= seq`, by binary search (messages are in seq order). */
function findLastAtOrBefore(messages: readonly Message[], seq: number): Message | undefined {
  let low = 0;
  let high = messages.length - 1;
  let found: Message | undefined;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const message = messages[middle];
    if (!message) break;
    if (message.seq <= seq) {
      found = message;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}
