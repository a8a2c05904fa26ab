import type { Logger } from "pino";
import type { NodeRegistry } from "../redis/node-registry.js";
import type { RedisConnection } from "../redis/redis-connection.js";
import { CountedSlots, type SlotCounter } from "./counted-slots.js";

/**
 * Lua: sums what the live nodes hold of a key (KEYS[1]: the key's hash, KEYS[2]: the live
 * nodes set; ARGV[1]: this node, ARGV[4]: the grace in ms) into `total`, dropping the shares of
 * nodes past their grace when `drop` is true.
 */
const sumLiveShares = (drop: boolean) => `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local held = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #held, 2 do
  local node = held[i]
  local expiry = redis.call('ZSCORE', KEYS[2], node)
  if node == ARGV[1] or (expiry and tonumber(expiry) + tonumber(ARGV[4]) > now) then
    total = total + tonumber(held[i + 1])
  ${drop ? "else\n    redis.call('HDEL', KEYS[1], node)\n  " : ""}end
end
`;

/**
 * Takes a slot if the nodes together hold fewer than the ceiling. KEYS: the key's hash
 * (node -> count), the live nodes set; ARGV: this node, ceiling, TTL in ms, grace in ms. A
 * node's share still counts for the grace (`NodeRegistry.lateGraceMs`) after the registry
 * stops counting the node alive: a node that is merely slow to beat (a stalled event loop,
 * a starved CPU) would otherwise see its connections forgotten and the ceiling overrun. Shares older than that are
 * dropped on the way, so a killed node's connections stop counting one node TTL after its
 * last beat.
 */
const TAKE = `${sumLiveShares(true)}
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** What the live nodes together hold of a key, counted as TAKE counts; changes nothing. ARGV as TAKE's. */
const HELD = `${sumLiveShares(false)}
return total
`;

const RELEASE = `
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
`;

export interface RedisCountedSlotsDeps {
  redis: RedisConnection;
  nodes: NodeRegistry;
  logger: Logger;
  /** Keeps counters apart: `ws-connections`, `ws-subscriptions`. */
  namespace: string;
  max: number;
  /** How long a key's counts outlive the last refresh of every node holding them. */
  ttlMs: number;
}

/**
 * Slots counted across every node on one Redis: each node's share of a key is one field
 * of the key's hash, counted only while that node is alive. This node keeps its own share
 * in memory too, and writes it again at every beat, which keeps the hash from expiring and
 * repairs it should another node have taken this one for dead.
 */
export class RedisCountedSlots implements SlotCounter {
  private readonly own = new CountedSlots(Number.POSITIVE_INFINITY);
  private readonly stopBeats: () => void;

  constructor(private readonly deps: RedisCountedSlotsDeps) {
    this.stopBeats = deps.nodes.onBeat(() => this.refresh());
  }

  async take(key: string): Promise<boolean> {
    const { redis, nodes, max, ttlMs } = this.deps;
    const taken = await redis.commands.eval(
      TAKE,
      2,
      this.keyOf(key),
      nodes.key,
      redis.nodeId,
      max,
      ttlMs,
      nodes.lateGraceMs,
    );
    if (taken !== 1) return false;
    this.own.takeNow(key);
    return true;
  }

  release(key: string): void {
    const { redis, logger } = this.deps;
    this.own.release(key);
    redis.commands.eval(RELEASE, 1, this.keyOf(key), redis.nodeId).catch((error: unknown) => {
      logger.warn({ err: error }, "connection slot not given back on Redis; it lapses with the node TTL");
    });
  }

  async held(key: string): Promise<number> {
    const { redis, nodes } = this.deps;
    const total = await redis.commands.eval(HELD, 2, this.keyOf(key), nodes.key, redis.nodeId, 0, 0, nodes.lateGraceMs);
    return Number(total);
  }

  /** Stops refreshing at beats. */
  close(): void {
    this.stopBeats();
  }

  /**
   * Writes this node's shares again, each with its expiry, in one MULTI: a node killed while
   * sending it leaves Redis with all of it or none, never a hash that was recreated (it had
   * lapsed) without its expiry.
   */
  private refresh(): void {
    const { redis, ttlMs, logger } = this.deps;
    const own = [...this.own.entries()];
    if (own.length === 0) return;
    const transaction = redis.commands.multi();
    for (const [key, count] of own) {
      transaction.hset(this.keyOf(key), redis.nodeId, count);
      transaction.pexpire(this.keyOf(key), ttlMs);
    }
    transaction
      .exec()
      .catch((error: unknown) => logger.warn({ err: error }, "connection slots not refreshed on Redis"));
  }

  private keyOf(key: string): string {
    return this.deps.redis.key(`${this.deps.namespace}:${key}`);
  }
}
