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

/** Names shown in a "seen by" line before the rest are counted. */
const SEEN_BY_NAMES = 3;

/**
 * The "seen by" line under a message: a few names, then how many more. With `partial` (the
 * room has more members' receipts than were read), the count is a lower bound and says so.
 */
export function seenByText(names: readonly string[], partial: boolean): string {
  const shown = names.slice(0, SEEN_BY_NAMES).join(", ");
  const more = names.length - SEEN_BY_NAMES;
  if (more > 0) return `Seen by ${shown} and ${more}${partial ? "+" : ""} more`;
  return partial ? `Seen by ${shown} and perhaps more` : `Seen by ${shown}`;
}
