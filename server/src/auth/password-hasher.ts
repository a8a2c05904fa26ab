import { HashingSlots } from "./hashing-slots.js";

/** `Algorithm.Argon2id`: the package exports a const enum, which isolated modules cannot read. */
const ARGON2ID = 2;

/**
 * argon2id with OWASP's recommended minimum (m=19 MiB, t=2, p=1), passed explicitly so a
 * library default can never weaken it.
 */
export const ARGON2_OPTIONS = {
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
} as const;

/**
 * A hash (with ARGON2_OPTIONS) of 32 random bytes nobody kept, checked when a user does not
 * exist so that both paths cost alike. Written here rather than hashed at start: a start
 * should not spend a core on it.
 */
export const DUMMY_HASH =
  "$argon2id$v=19$m=19456,t=2,p=1$S2AvpgFvhVJ2stC7fzAmpw$/SYxg2qNhowFpI+6GIPpb9SFhSfqr3BMq7CUexi2T6Q";

/** The native addon, loaded at the first hash or check: finding and opening it slows a start. */
let argon2: Promise<typeof import("@node-rs/argon2")> | undefined;
const loadArgon2 = () => {
  argon2 ??= import("@node-rs/argon2");
  return argon2;
};

/**
 * Hashes and checks passwords; knows when a stored hash predates the current policy. Hashes
 * and checks share a bounded number of slots, so concurrent log-ins queue instead of
 * starving the event loop.
 */
export class PasswordHasher {
  constructor(private readonly slots = new HashingSlots()) {}

  hash(password: string): Promise<string> {
    return this.slots.run(async () => (await loadArgon2()).hash(password, ARGON2_OPTIONS));
  }

  /** Whether `password` matches `storedHash`; a malformed hash never matches. */
  async verify(storedHash: string, password: string): Promise<boolean> {
    try {
      return await this.slots.run(async () => (await loadArgon2()).verify(storedHash, password));
    } catch {
      return false;
    }
  }

  /** Spends the time of a real verification, for a user that does not exist. */
  async verifyNothing(password: string): Promise<false> {
    await this.verify(DUMMY_HASH, password);
    return false;
  }

  /** Whether a stored hash was made with another algorithm or other parameters than the policy. */
  needsRehash(storedHash: string): boolean {
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(storedHash);
    if (!match) return true;
    const [, memory, time, lanes] = match.map(Number);
    return (
      memory !== ARGON2_OPTIONS.memoryCost || time !== ARGON2_OPTIONS.timeCost || lanes !== ARGON2_OPTIONS.parallelism
    );
  }
}
