import type { SharedSubscriptionSlots } from "../trpc/context.js";
import { CountedSlots, type SlotCounter } from "./counted-slots.js";

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

/**
 * Where an account's connections and subscriptions are counted: in this process by default;
 * across every node when the composition root passes shared counters.
 */
export interface AccountSlotCounters {
  connections: SlotCounter;
  subscriptions: SlotCounter;
}

/** Gives back what an admission took. */
export type Release = () => void;

/**
 * The ceilings of one server's live connections: WebSockets per client address and per
 * account, and subscriptions per account (anonymous ones per address), a WebSocket
 * subscription and an event stream (SSE) counting alike. Every socket and subscription
 * costs memory, so a client opening thousands must be refused early and cheaply. Address
 * ceilings count what is open on this node, which is what costs this node's memory; account
 * ceilings count what `accounts` counts, which spans every node when it is shared, so a
 * client cannot multiply its ceiling by the number of nodes behind a load balancer.
 */
export class ConnectionCeilings {
  private readonly addresses: CountedSlots;
  private readonly anonymousSubscriptions: CountedSlots;
  private readonly accounts: AccountSlotCounters;

  constructor(
    /** The ceilings, for the words of a refusal. */
    readonly policy: ConnectionCeilingsPolicy,
    accounts?: AccountSlotCounters,
  ) {
    this.addresses = new CountedSlots(policy.maxConnectionsPerAddress);
    this.anonymousSubscriptions = new CountedSlots(policy.maxAnonymousSubscriptionsPerAddress);
    this.accounts = accounts ?? {
      connections: new CountedSlots(policy.maxConnectionsPerAccount),
      subscriptions: new CountedSlots(policy.maxSubscriptionsPerAccount),
    };
  }

  /** Admits one more connection from `address`, or answers undefined when it holds its ceiling. */
  admitAddress(address: string): Release | undefined {
    if (!this.policy.enabled) return releaseNothing;
    if (!this.addresses.takeNow(address)) return undefined;
    return this.releaser(this.addresses, address);
  }

  /** Admits one more signed-in connection of `userId`, or answers undefined when it holds its ceiling. */
  async admitAccount(userId: string): Promise<Release | undefined> {
    if (!this.policy.enabled) return releaseNothing;
    if (!(await this.accounts.connections.take(userId))) return undefined;
    return this.releaser(this.accounts.connections, userId);
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
          this.accounts.subscriptions,
          userId,
          `An account may hold at most ${maxSubscriptionsPerAccount} subscriptions over all its connections; stop one first`,
        );
  }

  private releaser(slots: SlotCounter, key: string): Release {
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
    private readonly slots: SlotCounter,
    private readonly key: string,
    readonly refusal: string,
  ) {}

  take(): Promise<boolean> {
    return this.slots.take(this.key);
  }

  release(): void {
    this.slots.release(this.key);
  }
}

/** With the ceilings off, nothing is counted. */
const UNCOUNTED: SharedSubscriptionSlots = { refusal: "", take: async () => true, release: () => {} };

function releaseNothing(): void {}
