import { LIMITS, type PresenceUser, type ReceiptSignal, type RoomPresence, type RoomSignal } from "@natter/shared";
import type { Logger } from "pino";
import { toTimestamp } from "../clock/clock.js";
import type { NodeRegistry } from "../redis/node-registry.js";
import type { RedisConnection } from "../redis/redis-connection.js";
import type { RoomSignalBus, RoomWatch } from "./room-signal-bus.js";
import {
  anonymousField,
  type Change,
  nodeOfField,
  RoomView,
  type SignalMessage,
  sharedMark,
  typingField,
  userField,
} from "./room-signal-view.js";

/** Deletes a typing field unless it was refreshed meanwhile. KEYS: the hash; ARGV: field, value written. */
const LAPSE = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
`;

/**
 * Ends a typing indicator: deletes its field and, only if there was one, tells every node.
 * Every send ends its author's indicator, and most authors were not typing: their sends then
 * cost one command here and nothing on any node. KEYS: the hash; ARGV: channel, message, field.
 */
const STOP = `
if redis.call('HDEL', KEYS[1], ARGV[3]) == 1 then redis.call('PUBLISH', ARGV[1], ARGV[2]) end
`;

/**
 * Changes one room's state hash and tells every node, in one step, so that a node loading
 * the hash and then applying the messages it buffered meanwhile converges on the same
 * state. ARGV: channel, message, TTL in ms, then field and value pairs (an empty value
 * deletes the field).
 */
const WRITE = `
for i = 4, #ARGV, 2 do
  if ARGV[i + 1] == '' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[1], ARGV[2])
`;

/**
 * Replaces one node's whole share of a room's state hash and tells every node, in one step:
 * its fields not listed are deleted, the listed ones written, and its `s:NODE` mark set,
 * which tells readers that the hash holds this node's complete share (a Redis that restarted
 * empty holds none until the node shares again). ARGV: channel, message, TTL in ms, node,
 * then field and value pairs.
 */
const REPLACE = `
local keep = {}
for i = 5, #ARGV, 2 do keep[ARGV[i]] = true end
local users = 'u:' .. ARGV[4] .. ':'
local anonymous = 'a:' .. ARGV[4]
for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
  if not keep[field] and (field == anonymous or string.sub(field, 1, #users) == users) then redis.call('HDEL', KEYS[1], field) end
end
for i = 5, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 's:' .. ARGV[4], '1')
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[1], ARGV[2])
`;

/**
 * A room's state hash and the nodes alive now, read together on Redis's clock: a node that
 * started since this node's last beat counts at once. KEYS: the hash, the live nodes set.
 */
const READ = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return {redis.call('HGETALL', KEYS[1]), redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf')}
`;

export interface RedisRoomSignalBusDeps {
  redis: RedisConnection;
  nodes: NodeRegistry;
  logger: Logger;
  /** How long a room's state outlives its last refresh, should every node watching it die. */
  ttlMs: number;
}

/**
 * Presence and typing shared by every node on one Redis. Each room has a hash of who
 * watches through which node and who types, and a channel on which every change to it is
 * announced. A node that gets a room's first watcher listens to the channel, loads the
 * hash, then applies what arrived meanwhile; from then on it derives the signals for its
 * own watchers from the changes, so a user watching through two nodes is present once and
 * leaves when their last watch ends, wherever.
 *
 * A node's share counts only while the node is alive (`NodeRegistry`): when a node dies,
 * every other node drops its share at its next beat, within the node TTL, and its users
 * leave. A live node that was taken for dead (stalled past half the TTL) writes its share
 * again when it learns so at its next beat. A node whose connection to Redis was lost shares
 * its state again and reads the others' again as soon as it is back (see `resyncAll`), so
 * presence converges within a second of Redis returning. Liveness is read from Redis with the
 * hash, never from the last beat: a node started since then counts at once.
 */
export class RedisRoomSignalBus implements RoomSignalBus {
  /** Views being loaded, and loaded ones. */
  private readonly loading = new Map<string, Promise<RoomView>>();
  private readonly views = new Map<string, RoomView>();
  /** Nodes heard from since the last beat, alive even if the last beat did not list them. */
  private heard = new Set<string>();
  private readonly stopBeats: () => void;
  /** Sharing again after a lost connection, one at a time. */
  private resyncing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: RedisRoomSignalBusDeps) {
    this.stopBeats = deps.nodes.onBeat((live, rejoined, restored) => this.onBeat(live, rejoined, restored));
  }

  async watch(roomId: string, user: PresenceUser | null, listener: (signal: RoomSignal) => void): Promise<RoomWatch> {
    const view = await this.viewOf(roomId);
    const self = this.deps.redis.nodeId;
    if (user) {
      const present = view.localUsers.get(user.userId);
      if (present) present.watches += 1;
      else {
        view.localUsers.set(user.userId, { user, watches: 1 });
        this.write(view, [[userField(self, user.userId), user.username]]);
      }
    } else {
      view.localAnonymous += 1;
      this.write(view, [[anonymousField(self), String(view.localAnonymous)]]);
    }
    view.listeners.add(listener);

    let left = false;
    return {
      snapshot: view.snapshot(),
      leave: () => {
        if (left) return;
        left = true;
        view.listeners.delete(listener);
        if (user) {
          const present = view.localUsers.get(user.userId);
          if (present && --present.watches === 0) {
            view.localUsers.delete(user.userId);
            this.write(view, [[userField(self, user.userId), null]]);
          }
        } else {
          view.localAnonymous -= 1;
          this.write(view, [[anonymousField(self), view.localAnonymous === 0 ? null : String(view.localAnonymous)]]);
        }
        this.release(roomId, view);
      },
    };
  }

  async typing(roomId: string, user: PresenceUser, now: number): Promise<string> {
    const expiresAt = toTimestamp(now + LIMITS.typingTtlMs);
    const field = typingField(user.userId);
    const value = JSON.stringify({ username: user.username, expiresAt });
    this.views.get(roomId)?.apply([[field, value]]);
    await this.send(roomId, [[field, value]]);
    // A node loading the room later must not show a typist who lapsed meanwhile.
    const { redis, logger } = this.deps;
    setTimeout(() => {
      redis.commands.eval(LAPSE, 1, this.keyOf(roomId), field, value).catch((error: unknown) => {
        logger.warn({ err: error, roomId }, "lapsed typing indicator not removed; it goes with the room's state");
      });
    }, LIMITS.typingTtlMs).unref();
    return expiresAt;
  }

  async receipt(signal: ReceiptSignal): Promise<void> {
    const { redis } = this.deps;
    this.views.get(signal.roomId)?.emit(signal);
    const message: SignalMessage = { node: redis.nodeId, changes: [], receipt: signal };
    await redis.commands.publish(this.channelOf(signal.roomId), JSON.stringify(message));
  }

  async stopTyping(roomId: string, userId: string): Promise<void> {
    const field = typingField(userId);
    this.views.get(roomId)?.apply([[field, null]]);
    // Every node hears it, and a node loading the room later finds no typist in the hash. A
    // typist the hash no longer holds has lapsed (`LAPSE`), on every node's own timer too.
    const { redis } = this.deps;
    const message: SignalMessage = { node: redis.nodeId, changes: [[field, null]] };
    await redis.commands.eval(STOP, 1, this.keyOf(roomId), this.channelOf(roomId), JSON.stringify(message), field);
  }

  async presence(roomId: string): Promise<RoomPresence> {
    const view = this.views.get(roomId);
    if (view) return view.presence();
    // Nobody watches here: the room's hash says who watches through the other live nodes
    // (this node's own fields, if any are left, are stale). Typing fields are not read.
    const { redis } = this.deps;
    const { stored, live } = await this.read(roomId);
    const away = new RoomView(roomId);
    away.apply(
      Object.entries(stored).filter(([field]) => {
        const node = nodeOfField(field);
        return node !== undefined && node !== redis.nodeId && live.has(node);
      }),
    );
    return away.presence();
  }

  /** Stops following the nodes' beats. */
  close(): void {
    this.stopBeats();
  }

  /** The room's view, loaded once for all its watchers on this node. */
  private async viewOf(roomId: string): Promise<RoomView> {
    const loaded = this.views.get(roomId);
    if (loaded) return loaded;
    let loading = this.loading.get(roomId);
    if (!loading) {
      loading = this.load(roomId).then((view) => {
        this.views.set(roomId, view);
        return view;
      });
      const pending = loading;
      this.loading.set(roomId, pending);
      void pending.then(
        () => this.loading.delete(roomId),
        () => this.loading.delete(roomId),
      );
    }
    await loading;
    // Dropped meanwhile by a watch that ended: load it again.
    return this.views.get(roomId) ?? this.viewOf(roomId);
  }

  private async load(roomId: string): Promise<RoomView> {
    const { redis } = this.deps;
    const view = new RoomView(roomId);
    const stopListening = await redis.channels.listen(this.channelOf(roomId), (raw) => {
      const message = JSON.parse(raw) as SignalMessage;
      if (message.node === redis.nodeId) return;
      this.heard.add(message.node);
      // A receipt is a moment, not state: one that arrives while the view loads is not replayed.
      if (message.receipt) {
        if (!view.buffer) view.emit(message.receipt);
      } else if (view.buffer) view.buffer.push(message);
      else view.receive(message);
    });
    view.stopListening = stopListening;
    try {
      const { stored, live } = await this.read(roomId);
      view.apply(
        Object.entries(stored).filter(([field]) => {
          const node = nodeOfField(field);
          return node === undefined || (node !== redis.nodeId && (live.has(node) || this.heard.has(node)));
        }),
      );
      const buffered = view.buffer ?? [];
      view.buffer = null;
      for (const message of buffered) view.receive(message);
      return view;
    } catch (error) {
      stopListening();
      throw error;
    }
  }

  /** Drops the view of a room nobody watches here any more. */
  private release(roomId: string, view: RoomView): void {
    if (!view.unused || this.views.get(roomId) !== view) return;
    this.views.delete(roomId);
    view.drop();
  }

  /** Applies this node's changes here at once, then stores and announces them. */
  private write(view: RoomView, changes: Change[]): void {
    view.apply(changes);
    // The first write of a view is the node's whole share, which marks it complete (`REPLACE`).
    const sent = view.shared ? this.send(view.roomId, changes) : this.replace(view);
    sent.catch((error: unknown) => {
      this.deps.logger.error({ err: error, roomId: view.roomId }, "presence change not shared with other nodes");
    });
  }

  /** The room's hash and the nodes alive now, in one step. */
  private async read(roomId: string): Promise<{ stored: Record<string, string>; live: Set<string> }> {
    const { redis, nodes } = this.deps;
    const [flat, live] = (await redis.commands.eval(READ, 2, this.keyOf(roomId), nodes.key)) as [string[], string[]];
    const stored: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) stored[flat[i] as string] = flat[i + 1] as string;
    return { stored, live: new Set(live) };
  }

  /**
   * Shares this node's state of every room it watches again, and reads the others' again:
   * after a lost connection to Redis, writes failed and messages were missed meanwhile (and a
   * restarted Redis holds nothing). Each view converges on the hash as it is now, and the hash
   * (and every other node) on this node's whole share (`REPLACE`).
   */
  private resyncAll(): void {
    this.resyncing = this.resyncing.then(async () => {
      for (const view of [...this.views.values()]) {
        if (this.views.get(view.roomId) !== view) continue;
        await this.resync(view).catch((error: unknown) => {
          this.deps.logger.warn({ err: error, roomId: view.roomId }, "presence not shared again; the next beat tries");
        });
      }
    });
  }

  private async resync(view: RoomView): Promise<void> {
    const self = this.deps.redis.nodeId;
    view.buffer = [];
    try {
      const { stored, live } = await this.read(view.roomId);
      const others = new Map(
        Object.entries(stored).filter(([field]) => {
          const node = nodeOfField(field);
          return node !== undefined && node !== self && (live.has(node) || this.heard.has(node));
        }),
      );
      // A field the hash lacks is gone if its node has shared its whole share since the hash was
      // last lost (its mark). A node without its mark shares again soon, and its `replace`
      // message reaches this node, subscribed again by now; one that died meanwhile is dropped
      // at a beat. Either way its users do not flicker out and back in.
      const gone: Change[] = [...view.fields.keys()]
        .filter((field) => {
          const node = nodeOfField(field) as string;
          return node !== self && !others.has(field) && others.has(sharedMark(node));
        })
        .map((field) => [field, null]);
      view.apply([...gone, ...others]);
    } finally {
      const buffered = view.buffer ?? [];
      view.buffer = null;
      for (const message of buffered) view.receive(message);
    }
    await this.replace(view);
  }

  /** Writes this node's whole share of the room, replacing what the hash held of it. */
  private async replace(view: RoomView): Promise<void> {
    const { redis, ttlMs } = this.deps;
    const changes = view.ownShare(redis.nodeId);
    const message: SignalMessage = { node: redis.nodeId, changes, replace: true };
    await redis.commands.eval(
      REPLACE,
      1,
      this.keyOf(view.roomId),
      this.channelOf(view.roomId),
      JSON.stringify(message),
      ttlMs,
      redis.nodeId,
      ...changes.flatMap(([field, value]) => [field, value ?? ""]),
    );
    view.shared = true;
  }

  private async send(roomId: string, changes: readonly Change[]): Promise<void> {
    const { redis, ttlMs } = this.deps;
    const message: SignalMessage = { node: redis.nodeId, changes: [...changes] };
    await redis.commands.eval(
      WRITE,
      1,
      this.keyOf(roomId),
      this.channelOf(roomId),
      JSON.stringify(message),
      ttlMs,
      ...changes.flatMap(([field, value]) => [field, value ?? ""]),
    );
  }

  /**
   * After each beat: forgets the shares of nodes that died, keeps the hashes of rooms with
   * watchers here from expiring, and shares this node's state again if it was taken for dead
   * or its connection to Redis is back.
   */
  private onBeat(live: ReadonlySet<string>, rejoined: boolean, restored: boolean): void {
    const { redis, ttlMs, logger } = this.deps;
    this.heard = new Set();
    for (const view of this.views.values()) {
      for (const node of view.nodes()) {
        // Right after Redis came back, the live nodes are those that beat since: the others
        // are not dead, only not back yet. Dead ones are dropped at the next beat.
        if (node === redis.nodeId || live.has(node) || restored) continue;
        const gone = view.changesOfNode(node);
        view.apply(gone);
        redis.commands
          .hdel(this.keyOf(view.roomId), sharedMark(node), ...gone.map(([field]) => field))
          .catch((error: unknown) => logger.warn({ err: error }, "dead node's presence not removed"));
      }
      if (!rejoined && view.ownShare(redis.nodeId).length > 0)
        redis.commands.pexpire(this.keyOf(view.roomId), ttlMs).catch(() => {});
    }
    if (rejoined) this.resyncAll();
  }

  private keyOf(roomId: string): string {
    return this.deps.redis.key(`signals:${roomId}`);
  }

  private channelOf(roomId: string): string {
    return this.deps.redis.key(`signals:${roomId}`);
  }
}
