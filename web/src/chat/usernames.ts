import type { NatterClient } from "@natter/client";
import { type Observable, observable } from "../state/observable.js";

/**
 * Names for user ids: messages carry only their author's id. Names come for free with
 * member pages and presence; any other id is looked up once (calls batch over HTTP).
 */
export class Usernames {
  readonly names: Observable<Readonly<Record<string, string>>> = observable({});
  /**
   * The display names of the users looked up by id (`resolveProfiles`, or `resolve` for an id
   * nobody had named): null for a user who set none. Member pages and presence carry none.
   */
  readonly displayNames: Observable<Readonly<Record<string, string | null>>> = observable({});
  #client: NatterClient;
  #requested = new Set<string>();

  constructor(client: NatterClient) {
    this.#client = client;
  }

  remember(users: readonly { userId: string; username: string }[]): void {
    const known = this.names.get();
    const fresh = users.filter((user) => known[user.userId] !== user.username);
    if (fresh.length === 0) return;
    this.names.set({ ...known, ...Object.fromEntries(fresh.map((user) => [user.userId, user.username])) });
  }

  /** Looks up the ids nobody has named yet. */
  resolve(userIds: Iterable<string>): void {
    const known = this.names.get();
    for (const userId of userIds) if (known[userId] === undefined) this.#lookUp(userId);
  }

  /** Looks up the ids whose display name is not known yet (named or not). */
  resolveProfiles(userIds: Iterable<string>): void {
    const known = this.displayNames.get();
    for (const userId of userIds) if (known[userId] === undefined) this.#lookUp(userId);
  }

  #lookUp(userId: string): void {
    if (this.#requested.has(userId)) return;
    this.#requested.add(userId);
    this.#client.trpc.users.byId.query({ userId }).then(
      ({ user }) => {
        this.remember([{ userId: user.id, username: user.username }]);
        this.displayNames.update((known) => ({ ...known, [user.id]: user.displayName }));
      },
      () => this.#requested.delete(userId),
    );
  }
}
