import { createNatterClient } from "@natter/client";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, startTestServer, type TestServer, type TestUser } from "../harness/index.js";
import { browserAvailable, launchChromium, screenshot, signedInPage } from "./browser.js";

describe.runIf(browserAvailable())("room moderation in the web app", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let owner: TestUser;
  let member: TestUser;
  let ownerPage: Page;
  let memberPage: Page;
  let roomId: string;

  const signedIn = (user: TestUser) => signedInPage(browser, server.url, user.token);

  beforeAll(async () => {
    server = await startTestServer();
    owner = await signUp(server.url, "olivia");
    member = await signUp(server.url, "max");
    const sdk = createNatterClient({ url: server.url, token: owner.token });
    roomId = (await sdk.trpc.rooms.create.mutate({ name: "townhall", memberIds: [member.id] })).room.id;
    await sdk.close();
    browser = await launchChromium();
    ownerPage = await signedIn(owner);
    memberPage = await signedIn(member);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("sets slow mode from the room settings; a member's composer shows the wait", async () => {
    await ownerPage.getByRole("link", { name: "townhall" }).click();
    await ownerPage.getByRole("button", { name: /^Members/ }).click();
    await ownerPage.getByLabel(/Slow mode/).selectOption("30");
    const sdk = createNatterClient({ url: server.url, token: owner.token });
    await expect.poll(async () => (await sdk.trpc.rooms.get.query({ roomId })).room.slowModeSeconds).toBe(30);
    await sdk.close();

    await memberPage.getByRole("link", { name: "townhall" }).click();
    await memberPage.getByText("Slow mode: one message every 30 s.").waitFor();
    await memberPage.getByLabel("Message", { exact: true }).fill("first word");
    await memberPage.getByLabel("Message", { exact: true }).press("Enter");
    await memberPage.locator(".message .body", { hasText: "first word" }).waitFor();
    await memberPage.getByText(/Slow mode: you can send again in \d+ s\./).waitFor();
    expect(await memberPage.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
    await screenshot(memberPage, "moderation-01-slow-mode-wait");
  });

  it("mutes a member from the members panel: their send is refused as MUTED until unmuted", async () => {
    await ownerPage.getByRole("button", { name: "Manage max" }).click();
    await ownerPage.getByRole("button", { name: "Mute until lifted max" }).click();
    const sdk = createNatterClient({ url: server.url, token: member.token });
    await expect
      .poll(() =>
        sdk.trpc.messages.send.mutate({ roomId, body: "let me speak" }).then(
          () => "sent",
          (error) => error?.data?.error?.code,
        ),
      )
      .toBe("MUTED");
    // The member's composer learns of it live, and stops offering to send.
    await memberPage.getByText("You are muted in this room until an admin lifts it.").waitFor();
    await screenshot(memberPage, "moderation-03-muted-composer");
    // A page loaded after the mute learns of it from the first send natter refuses.
    await memberPage.reload();
    await memberPage.getByRole("link", { name: "townhall" }).click();
    await memberPage.getByLabel("Message", { exact: true }).fill("after the reload");
    await memberPage.getByLabel("Message", { exact: true }).press("Enter");
    await memberPage.locator(".muted-notice", { hasText: "until an admin lifts it" }).waitFor();
    expect(await memberPage.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
    await ownerPage.getByRole("button", { name: "Manage max" }).click();
    await ownerPage.getByRole("button", { name: "Unmute max" }).click();
    await memberPage.locator(".muted-notice").waitFor({ state: "detached" });
    const owners = createNatterClient({ url: server.url, token: owner.token });
    await expect.poll(async () => (await owners.trpc.rooms.mutes.query({ roomId })).mutes.length).toBe(0);
    await owners.trpc.rooms.update.mutate({ roomId, slowModeSeconds: 0 });
    await sdk.trpc.messages.send.mutate({ roomId, body: "thank you" });
    await ownerPage.locator(".message .body", { hasText: "thank you" }).waitFor();
    await screenshot(ownerPage, "moderation-02-members-panel");
    await sdk.close();
    await owners.close();
  });
});
