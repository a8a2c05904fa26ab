import { randomFillSync } from "node:crypto";

const RANDOM_BITS = 74n;
const RANDOM_MAX = (1n << RANDOM_BITS) - 1n;
/** The largest step between two ids of one millisecond: big enough that no id is guessed from another. */
const MAX_STEP = 1n << 32n;

/**
 * Random bytes drawn from the system's generator a page at a time, as `crypto.randomUUID`
 * does: one call per id cost more than the rest of making it. Each byte is used once.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** Where `count` unused random bytes start in `pool`. */
function takeRandom(count: number): number {
  if (poolOffset + count > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += count;
  return at;
}

/** The previous id's millisecond and random part, to keep ids of one millisecond in order. */
let previous = { ms: -1, random: 0n };

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Ids sort by
 * creation time, which keeps B-tree inserts local, yet carry no guessable sequence. Within
 * one millisecond the random part grows by a random step (RFC 9562, "monotonic random"),
 * so that ids made in a row, such as the rows of one transaction, also sort in that order.
 */
export function uuidV7(now: number = Date.now()): string {
  let random: bigint;
  if (now === previous.ms && previous.random < RANDOM_MAX - MAX_STEP) {
    random = previous.random + 1n + BigInt(pool.readUInt32BE(takeRandom(4)));
  } else {
    const at = takeRandom(10);
    random = BigInt(`0x${pool.toString("hex", at, at + 10)}`) & RANDOM_MAX;
  }
  previous = { ms: now, random };
  const time = now.toString(16).padStart(12, "0");
  const randA = (random >> 62n).toString(16).padStart(3, "0");
  const randB = ((2n << 62n) | (random & ((1n << 62n) - 1n))).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randA}-${randB.slice(0, 4)}-${randB.slice(4)}`;
}
