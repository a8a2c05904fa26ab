import { isNetworkFailure } from "./errors.js";
import { backoffDelay, sleep } from "./retry.js";

/** What is subscribed, and torn down when no longer wanted. */
export interface Unsubscribable {
  unsubscribe(): void;
}

/** Paces the resubscriptions of one subscription after failures of the connection itself. */
export interface Resubscriptions {
  /**
   * Whether `error` is a failure of the connection itself, without natter's answer: then the
   * subscription is made again after a backoff, unless stopped first. natter's own refusals
   * (no such room, no access) answer false: what they mean is the caller's to decide.
   */
  failed(error: unknown): boolean;
  /** The subscription started: the next failure waits the shortest backoff again. */
  started(): void;
}

/** How `resubscriptions` subscribes again, and until when. */
export interface ResubscriptionOptions {
  /** Aborts once the subscription is no longer wanted: no resubscription, nor wait for one, after it. */
  signal: AbortSignal;
  /** Makes the subscription again. */
  resubscribe(): void;
  /** Told of each failure that a resubscription will follow. */
  onRetry?(error: unknown): void;
}

/**
 * Subscribes again after a backoff when a tRPC subscription fails without natter's answer.
 * tRPC sends a subscription again on its next socket only once it went out on one: a socket
 * lost the instant it opened, before the subscription was sent on it, fails the subscription
 * with "Active connection is not open", and nothing subscribes again unless the caller does.
 */
export function resubscriptions(options: ResubscriptionOptions): Resubscriptions {
  const { signal, resubscribe, onRetry } = options;
  let attempts = 0;
  return {
    failed(error) {
      if (!isNetworkFailure(error)) return false;
      if (signal.aborted) return true;
      attempts += 1;
      onRetry?.(error);
      sleep(backoffDelay(attempts), signal).then(
        () => {
          if (!signal.aborted) resubscribe();
        },
        // Aborted: the subscription is no longer wanted.
        () => {},
      );
      return true;
    },
    started() {
      attempts = 0;
    },
  };
}

/** The callbacks `keepSubscribed` needs passed on to tRPC's `subscribe`. */
export interface KeptSubscriptionCallbacks {
  onStarted(): void;
  onError(error: unknown): void;
}

/**
 * Makes a subscription with `subscribe`, and makes it again (see `resubscriptions`) whenever
 * it fails without natter's answer; natter's refusal goes to `onRefused` and ends it. Answers
 * the handle that ends it, with any resubscription still to come.
 */
export function keepSubscribed(
  subscribe: (callbacks: KeptSubscriptionCallbacks) => Unsubscribable,
  handlers: { onRetry?(error: unknown): void; onRefused?(error: unknown): void } = {},
): Unsubscribable {
  const stopping = new AbortController();
  let subscription: Unsubscribable | undefined;
  const again = resubscriptions({ signal: stopping.signal, resubscribe: () => open(), onRetry: handlers.onRetry });
  const open = () => {
    subscription = subscribe({
      onStarted: () => again.started(),
      onError: (error) => {
        subscription?.unsubscribe();
        if (!again.failed(error)) handlers.onRefused?.(error);
      },
    });
  };
  open();
  return {
    unsubscribe() {
      stopping.abort();
      subscription?.unsubscribe();
    },
  };
}
