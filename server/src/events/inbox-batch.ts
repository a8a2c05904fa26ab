import { SharedEncoding } from "./encoded-events.js";
import { type InboxEntry, inboxEntryJson } from "./inbox-log.js";

/**
 * A batch of inbox entries as it travels between nodes (`encodeInboxBatch`, after the bus's
 * `node`): the entries that share an encoded part (one message's summary for every member of
 * its room, `encodeInboxEntries`) as that part once, followed by each user's id and seq; any
 * other entry whole.
 */
export interface InboxBatch {
  /** `[open, close, userId, seq, userId, seq, …]`: each entry's event is `${open}${seq}${close}`. */
  shared: Array<Array<string | number>>;
  entries: InboxEntry[];
}

/**
 * The JSON of `entries` as an `InboxBatch`, without its opening brace (the bus writes its
 * `node` first): a message sent to fifty members travels as its summary once and fifty ids
 * and seqs, where one message per member would repeat the summary and cost a publish each.
 */
export function encodeInboxBatch(entries: readonly InboxEntry[]): string {
  const groups = new Map<SharedEncoding, string[]>();
  const whole: string[] = [];
  for (const entry of entries) {
    const { shared } = entry;
    if (!shared) {
      whole.push(inboxEntryJson(entry));
      continue;
    }
    const group = groups.get(shared);
    const member = `${JSON.stringify(entry.userId)},${entry.seq}`;
    if (group) group.push(member);
    else groups.set(shared, [member]);
  }
  const shared = [...groups].map(
    ([{ open, close }, members]) => `[${JSON.stringify(open)},${JSON.stringify(close)},${members.join(",")}]`,
  );
  return `"shared":[${shared.join(",")}],"entries":[${whole.join(",")}]}`;
}

/**
 * The entries of a received batch whose user `follows` answers true for (this node's
 * watched inboxes), in the batch's order within each user's (a shared part's entries, then
 * the next part's, then whole entries: seq order is the bus's to restore). Each event of a
 * shared part is `JSON.parse` of that part (once per part) with its own seq, and the entry
 * is given the part (`InboxEntry.shared`), so that its frame copies those bytes
 * (`splicedTrackedFrame`) as it does on the node that wrote it; users this node does not
 * follow cost a look-up each.
 */
export function decodeInboxBatch(batch: InboxBatch, follows: (userId: string) => boolean): InboxEntry[] {
  const out: InboxEntry[] = [];
  for (const part of batch.shared) {
    const [open, close] = part as [string, string];
    let base: Record<string, unknown> | undefined;
    let encoding: SharedEncoding | undefined;
    for (let i = 2; i + 1 < part.length; i += 2) {
      const userId = part[i] as string;
      if (!follows(userId)) continue;
      const seq = part[i + 1] as number;
      base ??= JSON.parse(`${open}0${close}`) as Record<string, unknown>;
      encoding ??= new SharedEncoding(open, close);
      // The spread keeps the keys' order, `seq` in its place: the object is what the text says.
      const event = { ...base, seq } as unknown as InboxEntry["event"];
      out.push({ userId, seq, event, shared: encoding });
    }
  }
  for (const entry of batch.entries) if (follows(entry.userId)) out.push(entry);
  return out;
}
