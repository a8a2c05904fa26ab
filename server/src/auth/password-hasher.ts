import { hash, verify } from "@node-rs/argon2";
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
 * Hashes and checks passwords; knows when a stored hash predates the current policy. Hashes
 * and checks share a bounded number of slots, so concurrent log-ins queue instead of
 * starving the event loop.
 */
export class PasswordHasher {
  /** A hash of a random password, checked when a user does not exist so both paths cost alike. */
  private readonly dummyHash: Promise<string>;

  constructor(private readonly slots = new HashingSlots()) {
    this.dummyHash = this.hash(crypto.randomUUID());
  }

  hash(password: string): Promise<string> {
    return this.slots.run(() => hash(password, ARGON2_OPTIONS));
  }

  /** Whether `password` matches `storedHash`; a malformed hash never matches. */
  async verify(storedHash: string, password: string): Promise<boolean> {
    try {
      return await this.slots.run(() => verify(storedHash, password));
    } catch {
      return false;
    }
  }

  /** Spends the time of a real verification, for a user that does not exist. */
  async verifyNothing(password: string): Promise<false> {
    await this.verify(await this.dummyHash, password);
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
