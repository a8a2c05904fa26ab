/** Separates the keys of a list `FollowedLogs.among` takes (keys never hold it: `joinKeys`). */
const SEPARATOR = ",";
/** Characters of key lists remembered at most; past them the memory starts over. */
const REMEMBERED_CHARS = 1 << 20;

/**
 * The keys as one list for `FollowedLogs.among`, or undefined when one holds the separator
 * (such keys travel another way).
 */
export function joinKeys(keys: readonly string[]): string | undefined {
  for (const key of keys) if (key.includes(SEPARATOR)) return undefined;
  return keys.join(SEPARATOR);
}

/**
 * The logs a node follows, by key (a room's id, a user's), as a shared channel's messages are
 * sorted to them. A message lists its entries' keys as one string (`joinKeys`: one message's
 * inbox entries, a key per member of its room), and a room's messages list the same members
 * again and again: the logs of a list are found once and remembered by the list, so that
 * each later message costs one look-up of that string, not a string, a hash and a look-up
 * per member. The memory is forgotten whenever a log is followed or no longer is, so it
 * never answers a log that is not (or no longer) the one followed.
 */
export class FollowedLogs<L> {
  private readonly byKey = new Map<string, L>();
  /** The logs of each list received since the followed logs last changed, by position. */
  private readonly lists = new Map<string, ReadonlyArray<L | undefined>>();
  private listChars = 0;
  /** The list answered last, and its logs: a room's messages come in runs, and its list then needs no hash. */
  private last: { list: string; logs: ReadonlyArray<L | undefined> } | undefined;

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): L | undefined {
    return this.byKey.get(key);
  }

  set(key: string, log: L): void {
    this.byKey.set(key, log);
    this.forgetLists();
  }

  delete(key: string): void {
    this.byKey.delete(key);
    this.forgetLists();
  }

  /** The log followed here of each key of `list` (`joinKeys`), by position; undefined for a key not followed. */
  among(list: string): ReadonlyArray<L | undefined> {
    // A received list is a new string: comparing it costs less than the hash a look-up computes.
    if (this.last?.list === list) return this.last.logs;
    let logs = this.lists.get(list);
    if (logs === undefined) {
      logs = list.split(SEPARATOR).map((key) => this.byKey.get(key));
      if (this.listChars + list.length > REMEMBERED_CHARS) this.forgetLists();
      this.lists.set(list, logs);
      this.listChars += list.length;
    }
    this.last = { list, logs };
    return logs;
  }

  private forgetLists(): void {
    this.lists.clear();
    this.listChars = 0;
    this.last = undefined;
  }
}
