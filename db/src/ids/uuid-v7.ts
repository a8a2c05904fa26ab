import { randomBytes } from "node:crypto";

const RANDOM_BITS = 74n;
const RANDOM_MAX = (1n << RANDOM_BITS) - 1n;
/** The largest step between two ids of one millisecond: big enough that no id is guessed from another. */
const MAX_STEP = 1n << 32n;

/** The previous id's millisecond and random part, to keep ids of one millisecond in order. */
let previous = { ms: -1, random: 0n };

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Ids sort by
 * creation time, which keeps B-tree inserts local, yet carry no guessable sequence. Within
 * one millisecond the random part grows by a random step (RFC 9562, "monotonic random"),
 * so that ids made in a row, such as the rows of one transaction, also sort in that order.
 */
export function uuidV7(now: number = Date.now()): string {
  const random =
    now === previous.ms && previous.random < RANDOM_MAX - MAX_STEP
      ? previous.random + 1n + BigInt(randomBytes(4).readUInt32BE(0))
      : BigInt(`0x${randomBytes(10).toString("hex")}`) & RANDOM_MAX;
  previous = { ms: now, random };
  const time = now.toString(16).padStart(12, "0");
  const randA = (random >> 62n).toString(16).padStart(3, "0");
  const randB = ((2n << 62n) | (random & ((1n << 62n) - 1n))).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randA}-${randB.slice(0, 4)}-${randB.slice(4)}`;
}
