import type { RedisConnection } from "./redis-connection.js";

/**
 * Registers this node and answers the live ones, in one step on Redis's clock, so that
 * nodes with skewed clocks agree. A node is live until `now + ARGV[2]`; past that it is
 * late, and kept in the set (not answered as live) for another ARGV[2], so that what it
 * holds can still be counted while it may only be stalled (see `lateGraceMs`); nodes past
 * both are dropped. Answers whether this node was not live (new, late or dropped as dead)
 * and the live nodes.
 */
const BEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local alive = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - alive)
local previous = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], now + alive, ARGV[1])
local added = 0
if not previous or tonumber(previous) <= now then added = 1 end
-- Gone with the last node, should every node die.
redis.call('PEXPIRE', KEYS[1], 2 * alive)
return {added, redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')}
`;

/**
 * Called after each beat with the nodes alive at that moment, this one included; `rejoined`
 * when what this node keeps on Redis may be missing or stale, so it must share its state
 * again: other nodes had taken it for dead (it stalled), or its connection to Redis was lost
 * (Redis restarted empty, or writes failed meanwhile) and is back: then `restored` too, and
 * `liveNodes` may lack live nodes that are not back on Redis yet.
 */
export type BeatListener = (liveNodes: ReadonlySet<string>, rejoined: boolean, restored: boolean) => void;

/**
 * The nodes alive on one Redis prefix: each node beats every quarter of the TTL and counts
 * as alive for half of it, so a node that stops (SIGKILL, a cut cable) is known to be gone
 * within three quarters of the TTL, while one late beat does not make a live node look dead.
 * What a node holds on Redis for others to see (presence, connection counts) is counted only
 * while it is alive (connection counts: for `lateGraceMs` more), so a dead node's share
 * vanishes by itself.
 */
export class NodeRegistry {
  private readonly listeners = new Set<BeatListener>();
  private timer: NodeJS.Timeout | undefined;
  private live: ReadonlySet<string> = new Set();
  private beaten = false;
  private stopRestored: () => void = () => {};

  constructor(
    private readonly redis: RedisConnection,
    private readonly ttlMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** The key of the set of live nodes, for scripts that count only live nodes' shares. */
  get key(): string {
    return this.redis.key("nodes");
  }

  /**
   * How long past its liveness a late node stays in the set (scored with the end of its
   * liveness): counts that must never overrun a ceiling (connections per account) go on
   * counting a node's share for this long, since a node that is late may only be stalled.
   */
  get lateGraceMs(): number {
    return Math.floor(this.ttlMs / 2);
  }

  /** The nodes alive at the last beat. */
  get liveNodes(): ReadonlySet<string> {
    return this.live;
  }

  /** Beats once (so this node is alive before it serves), then on a timer. */
  async start(): Promise<void> {
    await this.beat();
    // Back on Redis: beat at once rather than at the next tick, so that the other nodes count
    // this one as alive again and its state is shared again within a second.
    this.stopRestored = this.redis.onRestored(() => {
      this.beat(true).catch(this.onError);
    });
    this.timer = setInterval(
      () => {
        this.beat().catch(this.onError);
      },
      Math.floor(this.ttlMs / 4),
    );
    this.timer.unref();
  }

  /** Calls `listener` after every beat; answers the removal. */
  onBeat(listener: BeatListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops beating and leaves the set, so other nodes forget this one at once. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopRestored();
    await this.redis.commands.zrem(this.key, this.redis.nodeId);
  }

  /** `restored`: the connection to Redis was lost and is back, so listeners share their state again. */
  private async beat(restored = false): Promise<void> {
    const [added, nodes] = (await this.redis.commands.eval(
      BEAT,
      1,
      this.key,
      this.redis.nodeId,
      Math.floor(this.ttlMs / 2),
    )) as [number, string[]];
    const rejoined = restored || (added === 1 && this.beaten);
    this.beaten = true;
    this.live = new Set(nodes);
    for (const listener of this.listeners) listener(this.live, rejoined, restored);
  }
}
