import type { InboxEvent } from "@natter/shared";
import { SharedEncoding } from "./encoded-events.js";
import { type FollowedLogs, joinKeys } from "./followed-logs.js";
import { type InboxEntry, inboxEntryJson } from "./inbox-log.js";

/**
 * A batch of inbox entries as it travels between nodes (`encodeInboxBatch`, after the bus's
 * `node`): the entries that share an encoded part (one message's summary for every member of
 * its room, `encodeInboxEntries`) as that part once, followed by the users' ids as one list
 * and each one's seq; any other entry whole.
 */
export interface InboxBatch {
  /**
   * `[open, close, userIds, seq, seq, …]`: `userIds` joined (`joinKeys`), the `i`th user's
   * seq at `3 + i`, and each entry's event `${open}${seq}${close}`.
   */
  shared: Array<Array<string | number>>;
  entries: InboxEntry[];
}

/**
 * The JSON of `entries` as an `InboxBatch`, without its opening brace (the bus writes its
 * `node` first): a message sent to fifty members travels as its summary once, its members
 * once and fifty seqs, where one message per member would repeat the summary and cost a
 * publish each.
 */
export function encodeInboxBatch(entries: readonly InboxEntry[]): string {
  const groups = new Map<SharedEncoding, InboxEntry[]>();
  const whole: string[] = [];
  for (const entry of entries) {
    const { shared } = entry;
    if (!shared) {
      whole.push(inboxEntryJson(entry));
      continue;
    }
    const group = groups.get(shared);
    if (group) group.push(entry);
    else groups.set(shared, [entry]);
  }
  const shared: string[] = [];
  for (const [{ open, close }, group] of groups) {
    const userIds = joinKeys(group.map((entry) => entry.userId));
    // Ids that cannot be listed: their entries go whole.
    if (userIds === undefined) for (const entry of group) whole.push(inboxEntryJson(entry));
    else {
      const seqs = group.map((entry) => entry.seq).join(",");
      shared.push(`[${JSON.stringify(open)},${JSON.stringify(close)},${JSON.stringify(userIds)},${seqs}]`);
    }
  }
  return `"shared":[${shared.join(",")}],"entries":[${whole.join(",")}]}`;
}

/**
 * Hands each entry of a received batch whose user this node follows (`followed`) to `deliver`
 * with that user's followed log, in the batch's order within each user's (a shared part's
 * entries, then the next part's, then whole entries: seq order is the bus's to restore). A
 * shared part's users are found by their list (`FollowedLogs.among`, remembered), and each
 * entry is given the part (`InboxEntry.shared`), so that its frame copies those bytes
 * (`writeSplicedTrackedFrame`) as it does on the node that wrote it; its event is made only if
 * something asks for it (`ReceivedInboxEntry`). Its user id is the one the log is followed
 * by: the same string for every message, not one made per member.
 */
export function decodeInboxBatch<L extends { readonly key: string }>(
  batch: InboxBatch,
  followed: FollowedLogs<L>,
  deliver: (log: L, entry: InboxEntry) => void,
): void {
  for (const part of batch.shared) {
    const [open, close, userIds] = part as [string, string, string];
    const logs = followed.among(userIds);
    let encoding: SharedEncoding | undefined;
    for (let i = 0; i < logs.length; i++) {
      const log = logs[i];
      const seq = part[3 + i];
      if (log === undefined || typeof seq !== "number") continue;
      encoding ??= new SharedEncoding(open, close);
      deliver(log, new ReceivedInboxEntry(log.key, seq, encoding));
    }
  }
  for (const entry of batch.entries) {
    const log = followed.get(entry.userId);
    if (log) deliver(log, entry);
  }
}

/**
 * An entry of a batch's shared part, whose event is made when first asked for: live, only
 * its frame goes out, from the part's bytes, and an object per member cost a copy of the
 * part's keys each (a spread, V8's `CloneObjectIC`).
 */
class ReceivedInboxEntry implements InboxEntry {
  private made: InboxEvent | undefined;

  constructor(
    readonly userId: string,
    readonly seq: number,
    readonly shared: SharedEncoding,
  ) {}

  /** `JSON.parse(shared.json(seq))`. */
  get event(): InboxEvent {
    this.made ??= this.shared.event(this.seq) as InboxEvent;
    return this.made;
  }
}
