import { createNatterClient } from "@natter/client";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  rest,
  signUp,
  startTestServer,
  startWebhookReceiver,
  type TestServer,
  type WebhookReceiver,
} from "../harness/index.js";
import { axeViolations, browserAvailable, launchChromium, screenshot, signedInPage } from "./browser.js";

/* A room owner's outgoing webhooks, managed from the room's members panel against a real server. */
describe.runIf(browserAvailable())("room webhooks in the web app", { timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    server = await startTestServer({
      config: { webhookAllowPrivateNetworks: true, webhookTimeoutMs: 2000, webhookPollIntervalMs: 50 },
    });
    receiver = await startWebhookReceiver();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await server?.stop();
  });

  it("an owner registers a webhook for the room (secret shown once), gets its messages signed, tests, redelivers and rotates it; a member sees no control", async () => {
    const owner = await signUp(server.url, "rhoda");
    const member = await signUp(server.url, "milo");
    const sdk = createNatterClient({ url: server.url, token: owner.token });
    const { room } = await sdk.trpc.rooms.create.mutate({ name: "releases" });
    const { room: other } = await sdk.trpc.rooms.create.mutate({ name: "elsewhere" });
    const memberSdk = createNatterClient({ url: server.url, token: member.token });
    await memberSdk.trpc.rooms.join.mutate({ roomId: room.id });

    const page = await signedInPage(browser, server.url, owner.token);
    await page.getByRole("link", { name: "releases" }).click();
    await page.getByRole("button", { name: /^Members/ }).click();
    const panel = page.getByRole("region", { name: "Outgoing webhooks" });
    await panel.getByText("No webhooks yet.").waitFor();
    // Only room event kinds are offered.
    expect(await panel.getByRole("checkbox", { name: /^Account created/ }).count()).toBe(0);
    expect(await panel.getByRole("checkbox", { name: "Room created" }).count()).toBe(0);
    await panel.getByLabel("Endpoint URL").fill(receiver.url);
    await panel.getByRole("button", { name: "Register the webhook" }).click();
    const field = page.getByLabel(/^Signing secret of/);
    await field.waitFor();
    const secret = await field.inputValue();
    expect(secret).toMatch(/^whsec_/);
    receiver.secrets.push(secret);
    const item = panel.getByRole("listitem", { name: receiver.url });
    await item.getByText("enabled", { exact: true }).waitFor();
    await item.getByText(/^One room/).waitFor();
    const violations = (await axeViolations(page)).filter((f) => f.impact === "serious" || f.impact === "critical");
    expect(violations).toEqual([]);
    await item.scrollIntoViewIfNeeded();
    await screenshot(page, "room-webhooks-01-registered");

    // Once dismissed, the secret is not shown again, even after a reload.
    await page.getByRole("button", { name: "Done", exact: true }).click();
    await page.reload();
    await page.getByRole("button", { name: /^Members/ }).click();
    await item.waitFor();
    expect(await page.getByText(secret).count()).toBe(0);
    expect(await page.locator(`input[value="${secret}"]`).count()).toBe(0);

    // A message in the room reaches the receiver once, verified with the secret shown; one elsewhere does not.
    await sdk.trpc.messages.send.mutate({ roomId: other.id, body: "not for the hook" });
    await page.getByLabel("Message", { exact: true }).fill("v1.2 is out");
    await page.getByLabel("Message", { exact: true }).press("Enter");
    await expect.poll(() => receiver.unique("message.created").length).toBe(1);
    const [delivery] = receiver.unique("message.created");
    expect(delivery?.verifiedBy).toEqual([0]);
    expect([delivery?.data.roomId, delivery?.data.message.body]).toEqual([room.id, "v1.2 is out"]);

    // A test event, then its deliveries with the first one's attempt, sent again with the same id.
    await item.getByRole("button", { name: /^Send a test event/ }).click();
    await item.getByText("A test event is on its way.").waitFor();
    await expect.poll(() => receiver.unique("webhook.test").length).toBe(1);
    const row = item.getByRole("row", { name: /webhook\.test/ });
    await expect
      .poll(async () => {
        await item.getByRole("button", { name: /^Refresh/ }).click();
        return row.getByRole("cell", { name: "delivered", exact: true }).count();
      })
      .toBe(1);
    await row.getByRole("button", { name: /^Send again/ }).click();
    await expect.poll(() => receiver.received.filter((r) => r.type === "webhook.test").length).toBe(2);
    const tests = receiver.received.filter((r) => r.type === "webhook.test");
    expect(tests[1]?.id).toBe(tests[0]?.id);
    // Rotating shows the new secret once; deliveries then carry both signatures.
    await item.getByRole("button", { name: /^Rotate the secret/ }).click();
    const rotated = page.getByLabel(/^New signing secret of/);
    await rotated.waitFor();
    receiver.secrets.push(await rotated.inputValue());
    await page.getByRole("button", { name: "Done", exact: true }).click();
    await item.getByText(/the previous secret signs too until/).waitFor();
    await item.getByRole("button", { name: /^Send a test event/ }).click();
    await expect.poll(() => receiver.unique("webhook.test").length).toBe(2);
    expect(receiver.unique("webhook.test")[1]?.verifiedBy).toEqual([0, 1]);
    await screenshot(page, "room-webhooks-02-deliveries");

    // A plain member of the room sees no webhook control, and the server refuses them too.
    const memberPage = await signedInPage(browser, server.url, member.token);
    await memberPage.getByRole("link", { name: "releases" }).click();
    await memberPage.getByRole("button", { name: /^Members/ }).click();
    await memberPage.getByRole("heading", { name: "Members" }).waitFor();
    expect(await memberPage.getByRole("heading", { name: "Outgoing webhooks" }).count()).toBe(0);
    expect(await memberPage.getByLabel("Endpoint URL").count()).toBe(0);
    const refused = await rest(server.url, "GET", `/rooms/${room.id}/webhooks`, { token: member.token });
    expect([refused.status, refused.body.error.code]).toEqual([403, "FORBIDDEN"]);
    await memberPage.close();

    // Deleting it from the panel.
    await item.getByRole("button", { name: /^Delete…/ }).click();
    await item.getByRole("button", { name: "Delete the webhook" }).click();
    await panel.getByText("No webhooks yet.").waitFor();
    expect((await sdk.trpc.webhooks.listForRoom.query({ roomId: room.id })).webhooks).toEqual([]);
    await sdk.close();
    await memberSdk.close();
  });
});
