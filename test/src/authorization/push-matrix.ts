import { createECDH, randomBytes, randomUUID } from "node:crypto";
import { rest, signUp } from "../harness/index.js";
import { ALLOW as A, type Matrix } from "./matrix.js";

const U = "UNAUTHENTICATED";

/**
 * A browser's subscription on a loopback port nothing listens on: the matrix's server allows
 * private networks (`pushAllowPrivateNetworks`), and tests send nothing off this machine.
 */
function browserSubscription() {
  const ecdh = createECDH("prime256v1");
  ecdh.generateKeys();
  return {
    endpoint: `http://127.0.0.1:9/natter-matrix-push/${randomUUID()}`,
    keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: randomBytes(16).toString("base64url") },
  };
}

/** Someone else's subscription: no caller may delete it (404 as for one that does not exist). */
async function othersSubscription(baseUrl: string) {
  const other = await signUp(baseUrl);
  const res = await rest(baseUrl, "POST", "/me/push-subscriptions", {
    token: other.token,
    body: browserSubscription(),
  });
  if (res.status !== 201) throw new Error(`push subscription failed: ${JSON.stringify(res.body)}`);
  return { subscriptionId: res.body.subscription.id as string };
}

/** Web Push: the VAPID key is public; subscriptions are each user's own. */
export const matrix: Matrix = {
  resource: "push",
  accounts: [
    { procedure: "push.vapidPublicKey", input: () => ({}), anonymous: A, user: A },
    { procedure: "push.subscribe", input: () => browserSubscription(), anonymous: U, user: A },
    { procedure: "push.subscriptions", input: () => ({}), anonymous: U, user: A },
    {
      procedure: "push.unsubscribe",
      prepare: othersSubscription,
      input: ({ extra }) => ({ id: extra.subscriptionId }),
      anonymous: U,
      user: "PUSH_SUBSCRIPTION_NOT_FOUND",
    },
  ],
};
