import { randomFillSync } from "node:crypto";

/** 2^32 and 2^30: the random part is held as 12 + 30 + 32 bits in three numbers, not a BigInt. */
const TWO_32 = 0x1_0000_0000;
const TWO_30 = 0x4000_0000;

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

/** An id's 16 bytes, hex-encoded at once: the time, the version and `high`, the variant and `middle`, `low`. */
const id = Buffer.alloc(16);

/**
 * The previous id's millisecond and 74-bit random part, `high * 2^62 + middle * 2^32 + low`
 * (12, 30 and 32 bits), to keep ids of one millisecond in order. Numbers, not one BigInt: its
 * arithmetic, parse and `toString` allocated and cost more than the rest of an id.
 */
let previousMs = -1;
let high = 0;
let middle = 0;
let low = 0;

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Ids sort by
 * creation time, which keeps B-tree inserts local, yet carry no guessable sequence. Within
 * one millisecond the random part grows by a random step of 1 to 2^32 (RFC 9562, "monotonic
 * random"), so that ids made in a row, such as the rows of one transaction, also sort in that
 * order; when the step could overflow the 74 bits, the id draws a fresh random part instead.
 */
export function uuidV7(now: number = Date.now()): string {
  // A step carries at most 1 out of `low`: it overflows only when `middle` and `high` are full.
  if (now === previousMs && (high < 0xfff || middle < TWO_30 - 1)) {
    low += 1 + pool.readUInt32BE(takeRandom(4));
    if (low >= TWO_32) {
      low -= TWO_32;
      middle += 1;
      if (middle === TWO_30) {
        middle = 0;
        high += 1;
      }
    }
  } else {
    // The low 74 bits of 10 random bytes.
    const at = takeRandom(10);
    high = ((pool.readUInt16BE(at) << 2) | ((pool[at + 2] as number) >> 6)) & 0xfff;
    middle = pool.readUInt32BE(at + 2) & (TWO_30 - 1);
    low = pool.readUInt32BE(at + 6);
  }
  previousMs = now;
  // Written as bytes and hex-encoded at once: a number's `toString(16)` takes a floating-point
  // remainder per digit, which cost more than the BigInt arithmetic it replaced.
  id.writeUIntBE(now, 0, 6);
  id.writeUInt16BE(0x7000 + high, 6);
  id.writeUInt32BE(0x8000_0000 + middle, 8);
  id.writeUInt32BE(low, 12);
  const hex = id.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
