import type { InboxEvent } from "@natter/shared";
import { SharedEncoding } from "./encoded-events.js";
import { type FollowedLogs, joinKeys } from "./followed-logs.js";
import { type InboxEntry, inboxEntryJson } from "./inbox-log.js";

/**
 * How a batch's text separates its JSON from each shared part's list of users: JSON text
 * never holds a raw line feed (`JSON.stringify` escapes it), and user ids hold none.
 */
const LISTS_SEPARATOR = "\n";

/**
 * A batch of inbox entries as it travels between nodes (`encodeInboxBatch`, after the bus's
 * `node`), the JSON part of its text: the entries that share an encoded part (one message's
 * summary for every member of its room, `encodeInboxEntries`) as that part once with each
 * member's seq; any other entry whole. Each shared part's users follow the JSON, as a list
 * (`joinKeys`) after a line feed: a receiving node compares that list with the one it saw
 * before (`FollowedLogs.among`), and the JSON parser scanned every character of it as a string.
 */
export interface InboxBatch {
  /** `[open, close, seq, seq, …]`: the `i`th user's seq at `2 + i`, and each entry's event `${open}${seq}${close}`. */
  shared: Array<Array<string | number>>;
  entries: InboxEntry[];
}

/**
 * The text of `entries` as a batch, without its opening brace (the bus writes its `node`
 * first): `InboxBatch`'s JSON, then `\n<userIds>` for each of its shared parts. A message
 * sent to fifty members travels as its summary once, its members once and fifty seqs, where
 * one message per member would repeat the summary and cost a publish each.
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
  let lists = "";
  for (const [{ open, close }, group] of groups) {
    const userIds = joinKeys(group.map((entry) => entry.userId));
    // Ids that cannot be listed: their entries go whole.
    if (userIds === undefined || userIds.includes(LISTS_SEPARATOR)) {
      for (const entry of group) whole.push(inboxEntryJson(entry));
    } else {
      const seqs = group.map((entry) => entry.seq).join(",");
      shared.push(`[${JSON.stringify(open)},${JSON.stringify(close)},${seqs}]`);
      lists += `${LISTS_SEPARATOR}${userIds}`;
    }
  }
  return `"shared":[${shared.join(",")}],"entries":[${whole.join(",")}]}${lists}`;
}

/**
 * Hands each entry of a received batch's text (`encodeInboxBatch`, after `{"node":…,`) whose
 * user this node follows (`followed`) to `deliver` with that user's followed log, in the
 * batch's order within each user's (a shared part's entries, then the next part's, then whole
 * entries: seq order is the bus's to restore). A shared part's users are found by their list
 * (`FollowedLogs.among`, remembered), and each entry is given the part (`InboxEntry.shared`),
 * so that its frame copies those bytes (`writeSplicedTrackedFrame`) as it does on the node
 * that wrote it; its event is made only if something asks for it (`ReceivedInboxEntry`). Its
 * user id is the one the log is followed by: the same string for every message, not one made
 * per member.
 */
export function decodeInboxBatch<L extends { readonly key: string }>(
  text: string,
  followed: FollowedLogs<L>,
  deliver: (log: L, entry: InboxEntry) => void,
): void {
  let listAt = text.indexOf(LISTS_SEPARATOR);
  const { shared, entries } = JSON.parse(listAt === -1 ? text : text.slice(0, listAt)) as InboxBatch;
  // Indexed loops and reads, no iterators or destructuring: this runs once per message and
  // its inner loop once per member, and after a deoptimisation it runs as baseline code a
  // while, where each iterator step and destructured element is a call.
  for (let p = 0; p < shared.length && listAt !== -1; p++) {
    const part = shared[p] as Array<string | number>;
    const listEnd = text.indexOf(LISTS_SEPARATOR, listAt + 1);
    const logs = followed.among(text.slice(listAt + 1, listEnd === -1 ? text.length : listEnd));
    listAt = listEnd;
    let encoding: SharedEncoding | undefined;
    for (let i = 0; i < logs.length; i++) {
      const log = logs[i];
      const seq = part[2 + i];
      if (log === undefined || typeof seq !== "number") continue;
      encoding ??= new SharedEncoding(part[0] as string, part[1] as string);
      deliver(log, new ReceivedInboxEntry(log.key, seq, encoding));
    }
  }
  for (let e = 0; e < entries.length; e++) {
    const entry = entries[e] as InboxEntry;
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
