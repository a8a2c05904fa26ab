import {
  LIMITS,
  type PresenceUser,
  type ReceiptSignal,
  type RoomPresence,
  type RoomSignal,
  type RoomSnapshotSignal,
  type TypingUser,
} from "@natter/shared";

/** A field and its new value; null deletes it. */
export type Change = readonly [field: string, value: string | null];

/** What travels on a room's signal channel: changes to its state, or a read receipt that changes none. */
export interface SignalMessage {
  node: string;
  changes: Change[];
  /** The changes are the node's whole share: its fields not among them are gone. */
  replace?: true;
  /** A member's read cursor moved: a moment, not state (its `changes` are empty). */
  receipt?: ReceiptSignal;
}

/**
 * The fields of a room's state hash, each owned by one writer so that no two nodes race
 * on one field: `u:NODE:USER` (a signed-in user watching through NODE: the username),
 * `a:NODE` (anonymous watchers through NODE), `s:NODE` (NODE's share here is complete, see
 * `REPLACE`), and `t:USER` (typing: `{username, expiresAt}`, where the later expiry wins,
 * whichever node wrote it).
 */
export const userField = (node: string, userId: string) => `u:${node}:${userId}`;
export const anonymousField = (node: string) => `a:${node}`;
export const typingField = (userId: string) => `t:${userId}`;
export const sharedMark = (node: string) => `s:${node}`;
/** The node a node-owned field belongs to, or undefined for a typing field. */
export function nodeOfField(field: string): string | undefined {
  if (field.startsWith("a:") || field.startsWith("s:")) return field.slice(2);
  if (field.startsWith("u:")) return field.slice(2, field.indexOf(":", 2));
  return undefined;
}

/** A room as this node sees it, while it has watchers here. */
export class RoomView {
  readonly listeners = new Set<(signal: RoomSignal) => void>();
  /** The room's hash as far as it is known here (fields of live nodes only). */
  readonly fields = new Map<string, string>();
  /** Which nodes each present user watches through. */
  private readonly users = new Map<string, { user: PresenceUser; nodes: Set<string> }>();
  private readonly anonymous = new Map<string, number>();
  private readonly typists = new Map<string, { typing: TypingUser; timer: NodeJS.Timeout }>();
  /** This node's own watchers: how many watches each user holds, and anonymous ones. */
  readonly localUsers = new Map<string, { user: PresenceUser; watches: number }>();
  localAnonymous = 0;
  /**
   * Messages held back while the hash is being read (at load, and when shared again after a
   * lost connection), applied after it; null while messages apply as they come.
   */
  buffer: SignalMessage[] | null = [];
  /** Whether this node's whole share has been written since the view was made (see `REPLACE`). */
  shared = false;
  /** Stops listening to the room's channel. */
  stopListening: () => void = () => {};

  constructor(readonly roomId: string) {}

  /** Applies changes, telling listeners what they change for a watcher. */
  apply(changes: readonly Change[]): void {
    for (const [field, value] of changes) {
      if (field.startsWith("s:")) continue;
      if (field.startsWith("t:")) {
        if (value !== null) this.applyTyping(field.slice(2), value);
        else this.applyTypingStopped(field.slice(2));
        continue;
      }
      if (value === null) {
        if (!this.fields.delete(field)) continue;
      } else this.fields.set(field, value);
      const node = nodeOfField(field) as string;
      if (field.startsWith("a:")) this.applyAnonymous(node, value === null ? 0 : Number(value));
      else this.applyUser(node, field.slice(field.indexOf(":", 2) + 1), value);
    }
  }

  /** Applies a message: a node's whole share replaces what it had here. */
  receive(message: SignalMessage): void {
    const listed = new Set(message.changes.map(([field]) => field));
    const gone = message.replace ? this.changesOfNode(message.node).filter(([field]) => !listed.has(field)) : [];
    this.apply([...gone, ...message.changes]);
  }

  /** This node's own share of the room: its watching users and anonymous watchers. */
  ownShare(node: string): Change[] {
    const own: Change[] = [...this.localUsers.values()].map(({ user }) => [
      userField(node, user.userId),
      user.username,
    ]);
    if (this.localAnonymous > 0) own.push([anonymousField(node), String(this.localAnonymous)]);
    return own;
  }

  /** The changes that remove everything `node` contributed. */
  changesOfNode(node: string): Change[] {
    return [...this.fields.keys()].filter((field) => nodeOfField(field) === node).map((field) => [field, null]);
  }

  /** The nodes that contribute to the room. */
  nodes(): Set<string> {
    const nodes = new Set<string>();
    for (const field of this.fields.keys()) {
      const node = nodeOfField(field);
      if (node) nodes.add(node);
    }
    return nodes;
  }

  presence(): RoomPresence {
    const users: PresenceUser[] = [];
    for (const { user } of this.users.values()) {
      if (users.length === LIMITS.presenceSnapshotMax) break;
      users.push(user);
    }
    return { roomId: this.roomId, users, userCount: this.users.size, anonymousCount: this.anonymousCount() };
  }

  snapshot(): RoomSnapshotSignal {
    const typing = [...this.typists.values()].map(({ typing }) => typing);
    return { type: "snapshot", ...this.presence(), typing };
  }

  /** Whether no watch of this node holds the view. */
  get unused(): boolean {
    return this.listeners.size === 0 && this.localUsers.size === 0 && this.localAnonymous === 0;
  }

  /** Stops listening and the typing timers: the view is dropped. */
  drop(): void {
    this.stopListening();
    for (const { timer } of this.typists.values()) clearTimeout(timer);
    this.typists.clear();
  }

  emit(signal: RoomSignal): void {
    for (const listener of this.listeners) listener(signal);
  }

  private anonymousCount(): number {
    let count = 0;
    for (const each of this.anonymous.values()) count += each;
    return count;
  }

  private applyAnonymous(node: string, count: number): void {
    const before = this.anonymousCount();
    if (count === 0) this.anonymous.delete(node);
    else this.anonymous.set(node, count);
    const after = this.anonymousCount();
    if (after !== before) this.emit({ type: "presence.anonymous", roomId: this.roomId, anonymousCount: after });
  }

  private applyUser(node: string, userId: string, username: string | null): void {
    const present = this.users.get(userId);
    if (username !== null) {
      if (present) present.nodes.add(node);
      else {
        const user = { userId, username };
        this.users.set(userId, { user, nodes: new Set([node]) });
        this.emit({ type: "presence.joined", roomId: this.roomId, user });
      }
      return;
    }
    if (!present) return;
    present.nodes.delete(node);
    if (present.nodes.size === 0) {
      this.users.delete(userId);
      this.emit({ type: "presence.left", roomId: this.roomId, userId });
    }
  }

  private applyTypingStopped(userId: string): void {
    const current = this.typists.get(userId);
    if (!current) return;
    clearTimeout(current.timer);
    this.typists.delete(userId);
    this.emit({ type: "typing.stopped", roomId: this.roomId, userId });
  }

  private applyTyping(userId: string, value: string): void {
    const { username, expiresAt } = JSON.parse(value) as { username: string; expiresAt: string };
    const current = this.typists.get(userId);
    if (current && current.typing.expiresAt > expiresAt) return;
    if (current) clearTimeout(current.timer);
    // Timed from when this node learns of it, as on one node: `expiresAt` comes from the
    // writer's clock, which another node's need not match (nor a test's manual clock).
    const timer = setTimeout(() => {
      this.typists.delete(userId);
      this.emit({ type: "typing.stopped", roomId: this.roomId, userId });
    }, LIMITS.typingTtlMs);
    timer.unref();
    const typing = { userId, username, expiresAt };
    this.typists.set(userId, { typing, timer });
    this.emit({ type: "typing", roomId: this.roomId, ...typing });
  }
}
