import type { InboxEvent } from "@natter/shared";
import { SharedEncoding } from "./encoded-events.js";
import { type FollowedLogs, joinKeys } from "./followed-logs.js";
import { type InboxEntry, inboxEntryJson } from "./inbox-log.js";

/**
 * How a batch's text separates its JSON from each shared part's lines (its users, their
 * seqs): JSON text never holds a raw line feed (`JSON.stringify` escapes it), and user ids
 * hold none.
 */
const LINE = "\n";
/** Separates the seqs of a shared part's line of seqs. */
const SEQ_SEPARATOR = ",";
const DIGIT_0 = 48;
const DIGIT_9 = 57;

/**
 * A batch of inbox entries as it travels between nodes (`encodeInboxBatch`, after the bus's
 * `node`), the JSON part of its text: the entries that share an encoded part (one message's
 * summary for every member of its room, `encodeInboxEntries`) as that part once; any other
 * entry whole. Each shared part's members and their seqs follow the JSON, as two lines: its
 * users (`joinKeys`), which a receiving node compares with the list it saw before
 * (`FollowedLogs.among`), and each one's seq, read as the users are. In the JSON, the
 * parser scanned every character of the ids as a string and made a number of each seq, a
 * member at a time.
 */
interface InboxBatch {
  /** `[open, close]`: each of the part's entries is the event `${open}${seq}${close}`. */
  shared: Array<[string, string]>;
  entries: InboxEntry[];
}

/**
 * The text of `entries` as a batch, without its opening brace (the bus writes its `node`
 * first): `InboxBatch`'s JSON, then `\n<userIds>\n<seqs>` for each of its shared parts. A message
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
    if (userIds === undefined || userIds.includes(LINE)) {
      for (const entry of group) whole.push(inboxEntryJson(entry));
    } else {
      shared.push(`[${JSON.stringify(open)},${JSON.stringify(close)}]`);
      lists += `${LINE}${userIds}${LINE}${group.map((entry) => entry.seq).join(SEQ_SEPARATOR)}`;
    }
  }
  return `"shared":[${shared.join(",")}],"entries":[${whole.join(",")}]}${lists}`;
}

/** A user's inbox as a node follows it: takes its entries as they come (`FollowedLog`). */
interface FollowedInbox {
  readonly key: string;
  take(entry: InboxEntry): void;
}

/**
 * Hands each entry of a received batch's text (`encodeInboxBatch`, after `{"node":…,`) whose
 * user this node follows (`followed`) to that user's followed log (`take`), in the
 * batch's order within each user's (a shared part's entries, then the next part's, then whole
 * entries: seq order is the bus's to restore). A shared part's users are found by their list
 * (`FollowedLogs.among`, remembered), and each entry is given the part (`InboxEntry.shared`),
 * so that its frame copies those bytes (`writeSplicedTrackedFrame`) as it does on the node
 * that wrote it; its event is made only if something asks for it (`ReceivedInboxEntry`). Its
 * user id is the one the log is followed by: the same string for every message, not one made
 * per member.
 */
export function decodeInboxBatch(text: string, followed: FollowedLogs<FollowedInbox>): void {
  let lineAt = text.indexOf(LINE);
  const { shared, entries } = JSON.parse(lineAt === -1 ? text : text.slice(0, lineAt)) as InboxBatch;
  // Indexed loops and reads, no iterators or destructuring: this runs once per message and
  // its inner loop once per member, and after a deoptimisation it runs as baseline code a
  // while, where each iterator step and destructured element is a call.
  for (let p = 0; p < shared.length && lineAt !== -1; p++) {
    const part = shared[p] as [string, string];
    const usersEnd = text.indexOf(LINE, lineAt + 1);
    if (usersEnd === -1) break;
    const logs = followed.among(text.slice(lineAt + 1, usersEnd));
    lineAt = text.indexOf(LINE, usersEnd + 1);
    const seqsEnd = lineAt === -1 ? text.length : lineAt;
    let at = usersEnd + 1;
    let encoding: SharedEncoding | undefined;
    for (let i = 0; i < logs.length && at < seqsEnd; i++) {
      // The member's seq: its digits, up to the separator or the line's end. Never read past
      // the text's end: an index out of bounds (NaN) made V8 call charCodeAt from then on
      // instead of inlining it, 200 instructions a member.
      const first = at;
      let seq = 0;
      for (; at < seqsEnd; at++) {
        const code = text.charCodeAt(at);
        if (code < DIGIT_0 || code > DIGIT_9) break;
        seq = seq * 10 + code - DIGIT_0;
      }
      const digits = at - first;
      at += 1;
      const log = logs[i];
      if (log === undefined || digits === 0) continue;
      encoding ??= new SharedEncoding(part[0], part[1]);
      log.take(new ReceivedInboxEntry(log.key, seq, encoding));
    }
  }
  for (let e = 0; e < entries.length; e++) {
    const entry = entries[e] as InboxEntry;
    const log = followed.get(entry.userId);
    if (log) log.take(entry);
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
