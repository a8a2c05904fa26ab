import { createNatterClient } from "@natter/client";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  grantServerAdmin,
  rest,
  signUp,
  startTestServer,
  startWebhookReceiver,
  type TestServer,
  type TestUser,
  type WebhookReceiver,
} from "../harness/index.js";
import { axeViolations, browserAvailable, launchChromium, screenshot, signedInPage } from "./browser.js";

/** The value of a secret shown once, in the read-only field labelled `label`. */
async function shownOnce(page: Page, label: RegExp): Promise<string> {
  const field = page.getByLabel(label);
  await field.waitFor();
  return field.inputValue();
}

async function seriousViolations(page: Page) {
  return (await axeViolations(page)).filter((f) => f.impact === "serious" || f.impact === "critical");
}

/* Webhooks, bots, API keys and incoming webhooks, managed from the web app against a real server. */
describe.runIf(browserAvailable())("integrations in the web app", { timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let admin: TestUser;
  let page: Page;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    server = await startTestServer({
      config: { webhookAllowPrivateNetworks: true, webhookTimeoutMs: 2000, webhookPollIntervalMs: 50 },
    });
    admin = await signUp(server.url, "ingrid");
    await grantServerAdmin(server.databaseUrl, admin.username);
    receiver = await startWebhookReceiver();
    browser = await launchChromium();
    page = await signedInPage(browser, server.url, admin.token);
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await server?.stop();
  });

  it("registers a webhook (secret shown once), tests it, shows a failure, rotates the secret and deletes it", async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByLabel("Endpoint URL").fill(receiver.url);
    await page.getByRole("checkbox", { name: "Member joined" }).check();
    await page.getByRole("button", { name: "Register the webhook" }).click();
    const secret = await shownOnce(page, /^Signing secret of/);
    expect(secret).toMatch(/^whsec_/);
    receiver.secrets.push(secret);
    const item = page.getByRole("listitem", { name: receiver.url });
    await item.getByText("enabled", { exact: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await item.scrollIntoViewIfNeeded();
    await screenshot(page, "integrations-01-webhook-registered");

    // A test event reaches the receiver, signed with the secret the page showed.
    await item.getByRole("button", { name: /^Send a test event/ }).click();
    await expect.poll(() => receiver.unique("webhook.test").length).toBe(1);
    expect(receiver.unique("webhook.test")[0]?.verifiedBy).toEqual([0]);
    await expect
      .poll(async () => {
        await item.getByRole("button", { name: /^Refresh/ }).click();
        return item.getByRole("cell", { name: "delivered" }).count();
      })
      .toBe(1);

    // A failing receiver: the deliveries list says how.
    receiver.respondWith({ status: 410 });
    await item.getByRole("button", { name: /^Send a test event/ }).click();
    await expect
      .poll(async () => {
        await item.getByRole("button", { name: /^Refresh/ }).click();
        return item.getByRole("cell", { name: /^HTTP 410 in \d+ ms$/ }).count();
      })
      .toBe(1);
    await page.reload();
    await item.getByText("disabled: the receiver answered 410 Gone").waitFor();
    await item.scrollIntoViewIfNeeded();
    await screenshot(page, "integrations-02-webhook-failing");
    receiver.respondWith({ status: 200 });
    await item.getByRole("button", { name: /^Enable again/ }).click();
    await item.getByText("enabled", { exact: true }).waitFor();

    // Rotation: the new secret is shown once; both sign the next delivery.
    await item.getByRole("button", { name: /^Rotate the secret/ }).click();
    const rotated = await shownOnce(page, /^New signing secret of/);
    expect(rotated).not.toBe(secret);
    receiver.secrets.push(rotated);
    await item.getByRole("button", { name: /^Send a test event/ }).click();
    await expect.poll(() => receiver.unique("webhook.test").length).toBe(3);
    expect(receiver.unique("webhook.test")[2]?.verifiedBy).toEqual([0, 1]);

    await item.getByRole("button", { name: /^Delete…/ }).click();
    await item.getByRole("button", { name: "Delete the webhook" }).click();
    await page.getByText("No webhooks yet.").waitFor();
    const listed = await rest(server.url, "GET", "/admin/webhooks", { token: admin.token });
    expect(listed.body.webhooks).toEqual([]);
  });

  it("creates a bot and an API key shown once that works with its scopes, then revokes it", async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByLabel("Bot username").fill("buildbot");
    await page.getByLabel("Bot display name").fill("Build bot");
    await page.getByRole("button", { name: "Create the bot" }).click();
    const bot = page.getByRole("listitem", { name: "Bot buildbot" });
    await bot.getByText("0 keys").waitFor();
    await bot.getByRole("button", { name: "API keys of buildbot" }).click();
    await bot.getByLabel("Key name").fill("ci");
    await bot.getByRole("checkbox", { name: /^users:read/ }).check();
    await bot.getByRole("checkbox", { name: /^messages:write/ }).uncheck();
    await bot.getByRole("button", { name: "Create the key" }).click();
    const key = await shownOnce(page, /^API key ci/);
    expect(key).toMatch(/^ntr_/);
    await bot.getByRole("cell", { name: `${key.slice(0, 12)}…` }).waitFor();
    await bot.getByText("1 key", { exact: true }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await bot.scrollIntoViewIfNeeded();
    await screenshot(page, "integrations-03-api-key-shown-once");

    const me = await rest(server.url, "GET", "/me", { token: key });
    expect([me.status, me.body.user.username, me.body.user.isBot]).toEqual([200, "buildbot", true]);
    // messages:write was left out.
    const sdk = createNatterClient({ url: server.url, token: admin.token });
    const { room } = await sdk.trpc.rooms.create.mutate({ name: "builds" });
    const refused = await rest(server.url, "POST", `/rooms/${room.id}/messages`, { token: key, body: { body: "hi" } });
    expect([refused.status, refused.body.error.code]).toEqual([403, "INSUFFICIENT_SCOPE"]);
    await sdk.close();

    // After a reload the key is listed by prefix only: the key itself is not shown again.
    await page.reload();
    await bot.getByRole("button", { name: "API keys of buildbot" }).click();
    await bot.getByRole("cell", { name: "ci", exact: true }).waitFor();
    expect(await page.getByText(key).count()).toBe(0);
    await bot.getByRole("button", { name: "Revoke… ci" }).click();
    await bot.getByRole("button", { name: "Revoke ci now" }).click();
    await bot.getByText("No keys.").waitFor();
    expect((await rest(server.url, "GET", "/me", { token: key })).status).toBe(401);

    // Deleting the bot: asked twice, then it leaves the list (as an account deletion removes it).
    await bot.getByRole("button", { name: "Delete… bot buildbot" }).click();
    await bot.getByRole("button", { name: "Delete buildbot, its keys and its incoming webhooks" }).click();
    await bot.waitFor({ state: "detached" });
    const bots = await rest(server.url, "GET", "/admin/bots", { token: admin.token });
    expect(bots.body.bots.map((each: { username: string }) => each.username)).not.toContain("buildbot");
  });

  it("a room owner creates an incoming webhook, copies its URL, posts through it and deletes it", async () => {
    const owner = await signUp(server.url, "otto");
    const sdk = createNatterClient({ url: server.url, token: owner.token });
    await sdk.trpc.rooms.create.mutate({ name: "deploys" });
    await sdk.close();
    const ownerPage = await signedInPage(browser, server.url, owner.token);
    await ownerPage.context().grantPermissions(["clipboard-read", "clipboard-write"]);
    await ownerPage.getByRole("link", { name: "deploys" }).click();
    await ownerPage.getByRole("button", { name: /^Members/ }).click();
    await ownerPage.getByLabel("Hook name").fill("CI");
    await ownerPage.getByRole("button", { name: "Create the hook" }).click();
    const url = await shownOnce(ownerPage, /^URL of CI/);
    expect(url).toMatch(new RegExp(`^${server.url}/api/v1/hooks/[^/]+/[^/]+$`));
    await ownerPage.getByRole("button", { name: "Copy", exact: true }).click();
    await ownerPage.getByText("Copied.").waitFor();
    // The page reads its own clipboard (the test runs under Node, which has no `navigator` type).
    expect(await ownerPage.evaluate("navigator.clipboard.readText()")).toBe(url);
    expect(await seriousViolations(ownerPage)).toEqual([]);
    await screenshot(ownerPage, "integrations-04-incoming-webhook");

    const posted = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "build 42 passed" }),
    });
    expect(posted.status).toBe(200);
    await ownerPage.locator(".message .body", { hasText: "build 42 passed" }).waitFor();

    await ownerPage.getByRole("button", { name: "Delete… CI" }).click();
    await ownerPage.getByRole("button", { name: "Delete CI now" }).click();
    await ownerPage.getByText("No hooks.").waitFor();
    const gone = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "too late" }),
    });
    expect(gone.status).toBe(404);
  });
});
