import { type FakeBrowserSubscription, type PushService, rest, type TestUser } from "../harness/index.js";
import { waitFor } from "../messages/room-fixtures.js";

/** Subscribes `user` with a browser subscription of the push service; answers its id. */
export async function subscribe(url: string, user: TestUser, browser: FakeBrowserSubscription): Promise<string> {
  const res = await rest(url, "POST", "/me/push-subscriptions", {
    token: user.token,
    body: { endpoint: browser.endpoint, keys: browser.keys, expirationTime: null },
  });
  if (res.status !== 201) throw new Error(`subscribe failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.subscription.id;
}

/** Waits until the push service got a push of `messageId` to `name` that it answered `status`. */
export function pushOf(push: PushService, name: string, messageId: string, status = 201): Promise<void> {
  return waitFor(`a push of ${messageId} to ${name}`, () =>
    push.to(name).some((p) => p.notification.messageId === messageId && p.answered === status),
  );
}

/**
 * Sends mentions one after the other until `name` is pushed one more than it had been (the
 * server lets go of a closed connection a moment after the client closed it); answers the ids sent.
 */
export async function mentionUntilPushed(
  push: PushService,
  name: string,
  sendOne: () => Promise<{ id: string }>,
): Promise<string[]> {
  const before = push.to(name).length;
  const sent: string[] = [];
  let inFlight: Promise<unknown> | undefined;
  await waitFor("a push after the watch ended", () => {
    if (push.to(name).length === before && inFlight === undefined && sent.length < 50) {
      inFlight = sendOne().then((message) => {
        sent.push(message.id);
        inFlight = undefined;
      });
    }
    return push.to(name).length > before;
  });
  await inFlight;
  return sent;
}

/** A `natter_push_*_total` counter summed over the nodes' `/metrics`. */
export async function pushTotal(urls: readonly string[], outcome: "delivered" | "skipped" | "failed"): Promise<number> {
  let total = 0;
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    total += Number(new RegExp(`^natter_push_${outcome}_total (\\d+)$`, "m").exec(text)?.[1] ?? 0);
  }
  return total;
}

/** Waits until the nodes have skipped more notifications than `before` (a connected user's). */
export async function skippedMoreThan(urls: readonly string[], before: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await pushTotal(urls, "skipped")) <= before) {
    if (Date.now() > deadline) throw new Error("timed out waiting for a skipped push");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
