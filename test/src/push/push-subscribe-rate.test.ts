import type { TRPCClientError } from "@trpc/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  httpClient,
  type PushService,
  rest,
  signUpMany,
  startPushService,
  startTestServer,
  type TestServer,
} from "../harness/index.js";

/**
 * `POST /me/push-subscriptions` is rate limited per account (NATTER_PUSH_SUBSCRIBE_RATE_PER_ACCOUNT),
 * on top of the 10 subscriptions an account may hold: renewing or moving endpoints counts too,
 * so one account cannot make the server check and rewrite endpoints without end.
 */
describe("the push subscription rate per account", () => {
  let server: TestServer;
  let push: PushService;

  beforeAll(async () => {
    push = await startPushService();
    server = await startTestServer({ config: { pushAllowPrivateNetworks: true, pushSubscribeRatePerAccount: "3/1h" } });
  });
  afterAll(async () => {
    await server?.stop();
    await push?.close();
  });

  it("refuses the call past the rate with 429 RATE_LIMITED and Retry-After, over REST and tRPC, per account", async () => {
    const [dave, eve] = await signUpMany(server.url, 2);
    const browser = push.subscription(`rate-${dave.id}`);
    const body = { endpoint: browser.endpoint, keys: browser.keys };
    // Renewing one endpoint counts as much as adding one.
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await rest(server.url, "POST", "/me/push-subscriptions", { token: dave.token, body })).status);
    expect(statuses).toEqual([201, 200, 200]);
    const refused = await rest(server.url, "POST", "/me/push-subscriptions", { token: dave.token, body });
    expect([refused.status, refused.body.error.code]).toEqual([429, "RATE_LIMITED"]);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    const overTrpc = await httpClient(server.url, dave.token)
      .push.subscribe.mutate(body)
      .catch((error: unknown) => error);
    expect((overTrpc as TRPCClientError<any>).data?.error?.code).toBe("RATE_LIMITED");
    // Reading and deleting are not limited; another account has its own allowance.
    expect((await rest(server.url, "GET", "/me/push-subscriptions", { token: dave.token })).status).toBe(200);
    const eves = push.subscription(`rate-${eve.id}`);
    const other = await rest(server.url, "POST", "/me/push-subscriptions", {
      token: eve.token,
      body: { endpoint: eves.endpoint, keys: eves.keys },
    });
    expect(other.status).toBe(201);
  });
});
