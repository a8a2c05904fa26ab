import { LIMITS, NatterError } from "@natter/shared";
import type { SubscriptionSlots } from "./context.js";
import { onStreamEnd } from "./mapped-stream.js";

/**
 * Takes one of the connection's subscription slots, and one of those it shares with its
 * account (or address), or refuses the subscription when either is full: every stream holds
 * a bus listener and a queue, so their number is bounded like everything else.
 */
export async function takeSubscriptionSlot(slots: SubscriptionSlots): Promise<void> {
  if (slots.open >= LIMITS.maxSubscriptionsPerConnection) {
    throw new NatterError(
      "RATE_LIMITED",
      `A connection may hold at most ${LIMITS.maxSubscriptionsPerConnection} subscriptions; stop one first`,
    );
  }
  // Counted before the shared slot is awaited, so concurrent starts cannot pass the check together.
  slots.open += 1;
  try {
    if (slots.shared && !(await slots.shared.take())) throw new NatterError("RATE_LIMITED", slots.shared.refusal);
  } catch (error) {
    slots.open -= 1;
    throw error;
  }
}

/** Gives a slot back. */
export function releaseSubscriptionSlot(slots: SubscriptionSlots): void {
  slots.open -= 1;
  slots.shared?.release();
}

/** The same stream, giving its slot back however it ends (completed, failed or stopped). */
export function releasingSlot<T>(stream: AsyncIterable<T>, slots: SubscriptionSlots): AsyncIterable<T> {
  return onStreamEnd(stream, () => releaseSubscriptionSlot(slots));
}
