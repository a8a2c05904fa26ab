import type { SharedSubscriptionSlots } from "../trpc/context.js";
import { CountedSlots } from "./counted-slots.js";

/** How many WebSockets and live subscriptions one client may hold at once. */
export interface ConnectionCeilingsPolicy {
  /** Off for load tests and benchmarks: nothing is counted. */
  enabled: boolean;
  maxConnectionsPerAddress: number;
  maxConnectionsPerAccount: number;
  /** Subscriptions of an account over all its signed-in connections. */
  maxSubscriptionsPerAccount: number;
  /** Subscriptions of the anonymous connections of one client address. */
  maxAnonymousSubscriptionsPerAddress: number;
}

/** Gives back what an admission took. */
export type Release = () => void;

/**
 * The ceilings of one server's WebSockets: connections per client address and per account,
 * and subscriptions per account (anonymous ones per address). Every socket and subscription
 * costs memory, so a client opening thousands must be refused early and cheaply. They count
 * what is open on this node, which is what costs this node's memory.
 */
export class ConnectionCeilings {
  private readonly addresses: CountedSlots;
  private readonly accounts: CountedSlots;
  private readonly accountSubscriptions: CountedSlots;
  private readonly anonymousSubscriptions: CountedSlots;

  constructor(private readonly policy: ConnectionCeilingsPolicy) {
    this.addresses = new CountedSlots(policy.maxConnectionsPerAddress);
    this.accounts = new CountedSlots(policy.maxConnectionsPerAccount);
    this.accountSubscriptions = new CountedSlots(policy.maxSubscriptionsPerAccount);
    this.anonymousSubscriptions = new CountedSlots(policy.maxAnonymousSubscriptionsPerAddress);
  }

  /** Admits one more connection from `address`, or answers undefined when it holds its ceiling. */
  admitAddress(address: string): Release | undefined {
    return this.admit(this.addresses, address);
  }

  /** Admits one more signed-in connection of `userId`, or answers undefined when it holds its ceiling. */
  admitAccount(userId: string): Release | undefined {
    return this.admit(this.accounts, userId);
  }

  /** The subscription slots a connection shares: its account's, or, anonymous, its address's. */
  subscriptionsOf(userId: string | undefined, address: string): SharedSubscriptionSlots {
    const { enabled, maxSubscriptionsPerAccount, maxAnonymousSubscriptionsPerAddress } = this.policy;
    if (!enabled) return UNCOUNTED;
    return userId === undefined
      ? new KeySlots(
          this.anonymousSubscriptions,
          address,
          `Anonymous connections from one address may hold at most ${maxAnonymousSubscriptionsPerAddress} subscriptions; sign in or stop one first`,
        )
      : new KeySlots(
          this.accountSubscriptions,
          userId,
          `An account may hold at most ${maxSubscriptionsPerAccount} subscriptions over all its connections; stop one first`,
        );
  }

  private admit(slots: CountedSlots, key: string): Release | undefined {
    if (!this.policy.enabled) return releaseNothing;
    if (!slots.take(key)) return undefined;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      slots.release(key);
    };
  }
}

/** The slots of one key, as a connection holds them: fields, not closures, per connection. */
class KeySlots implements SharedSubscriptionSlots {
  constructor(
    private readonly slots: CountedSlots,
    private readonly key: string,
    readonly refusal: string,
  ) {}

  take(): boolean {
    return this.slots.take(this.key);
  }

  release(): void {
    this.slots.release(this.key);
  }
}

/** With the ceilings off, nothing is counted. */
const UNCOUNTED: SharedSubscriptionSlots = { refusal: "", take: () => true, release: () => {} };

function releaseNothing(): void {}
