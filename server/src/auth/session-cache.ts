import type { AuthSession } from "./auth-session.js";
import type { SessionRevocations } from "./session-revocations.js";

/** How the cache is sized and how long it trusts an entry. */
export interface SessionCacheOptions {
  /** Entries kept at most; the oldest filled goes first. */
  maxEntries: number;
  /**
   * How long an entry is served without asking the database again: the bound on what reaches
   * this node without the revocation bus (a revocation Redis failed to pass on, a change made by
   * another process). Revocations on the bus end an entry at once.
   */
  ttlMs: number;
}

interface Entry {
  session: AuthSession;
  /** Served until this instant (ms since the epoch), then resolved from the database again. */
  until: number;
}

/**
 * Resolved callers by their bearer token's hash, so that a call with a token used a moment ago
 * costs no database read. An entry ends at the first of: a revocation of its session (or API key)
 * on the revocation bus, from any node (log-out, session deletion, ban, key revocation, a
 * password change, an expiry found elsewhere); its session's expiry; the time its use should be
 * noted again; `ttlMs`. A lookup that began before a revocation never fills the cache with what
 * it read (the `generation` it started in has passed).
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  /** The token hashes cached for each session id, to drop them on its revocation. */
  private readonly hashesOf = new Map<string, Set<string>>();
  private revocationCount = 0;
  private readonly stopListening: () => void;

  constructor(
    revocations: SessionRevocations,
    private readonly options: SessionCacheOptions,
  ) {
    this.stopListening = revocations.subscribe((sessionIds) => this.revoke(sessionIds));
  }

  /** The caller cached for `tokenHash` at `now`; undefined when none is (or no longer). */
  get(tokenHash: string, now: number): AuthSession | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (now < entry.until) return entry.session;
    this.drop(tokenHash, entry.session.sessionId);
    return undefined;
  }

  /** A mark to hand back to `fill`: taken before a lookup, it tells whether a revocation came during it. */
  generation(): number {
    return this.revocationCount;
  }

  /**
   * Caches `session`, resolved at `now` by a lookup that started at `generation`, until
   * `until` at the latest (its expiry, or when its use must be noted again).
   */
  fill(tokenHash: string, session: AuthSession, now: number, until: number, generation: number): void {
    if (generation !== this.revocationCount) return;
    const previous = this.entries.get(tokenHash);
    if (previous) this.drop(tokenHash, previous.session.sessionId);
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.entries().next().value;
      if (oldest) this.drop(oldest[0], oldest[1].session.sessionId);
    }
    this.entries.set(tokenHash, { session, until: Math.min(until, now + this.options.ttlMs) });
    const hashes = this.hashesOf.get(session.sessionId);
    if (hashes) hashes.add(tokenHash);
    else this.hashesOf.set(session.sessionId, new Set([tokenHash]));
  }

  /** Stops listening to revocations. */
  close(): void {
    this.stopListening();
  }

  private revoke(sessionIds: readonly string[]): void {
    this.revocationCount += 1;
    for (const sessionId of sessionIds) {
      for (const tokenHash of this.hashesOf.get(sessionId) ?? []) this.entries.delete(tokenHash);
      this.hashesOf.delete(sessionId);
    }
  }

  private drop(tokenHash: string, sessionId: string): void {
    this.entries.delete(tokenHash);
    const hashes = this.hashesOf.get(sessionId);
    hashes?.delete(tokenHash);
    if (hashes?.size === 0) this.hashesOf.delete(sessionId);
  }
}
