import { LIMITS, NatterError } from "@natter/shared";
import type { SubscriptionSlots } from "./context.js";

/**
 * Takes one of the connection's subscription slots, or refuses the subscription when none is
 * free: every stream holds a bus listener and a queue, so their number per connection is
 * bounded like everything else.
 */
export function takeSubscriptionSlot(slots: SubscriptionSlots): void {
  if (slots.open >= LIMITS.maxSubscriptionsPerConnection) {
    throw new NatterError(
      "RATE_LIMITED",
      `A connection may hold at most ${LIMITS.maxSubscriptionsPerConnection} subscriptions; stop one first`,
    );
  }
  slots.open += 1;
}

/** The same stream, giving its slot back however it ends (completed, failed or stopped). */
export async function* releasingSlot<T>(stream: AsyncIterable<T>, slots: SubscriptionSlots): AsyncIterable<T> {
  try {
    yield* stream;
  } finally {
    slots.open -= 1;
  }
}
