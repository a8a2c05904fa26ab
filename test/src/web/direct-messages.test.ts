import { createNatterClient } from "@natter/client";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, startTestServer, type TestServer, type TestUser } from "../harness/index.js";
import { axeViolations, browserAvailable, launchChromium, screenshot, signedInPage } from "./browser.js";

const rooms = (page: Page) => page.getByRole("navigation", { name: "Rooms" });
const directList = (page: Page) => rooms(page).getByRole("list", { name: "Direct messages" });

describe.runIf(browserAvailable())("direct messages in the web app", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let alice: TestUser;
  let bob: TestUser;
  let alicePage: Page;
  let bobPage: Page;

  const signedIn = (user: TestUser) => signedInPage(browser, server.url, user.token);

  beforeAll(async () => {
    server = await startTestServer();
    alice = await signUp(server.url, "alice");
    bob = await signUp(server.url, "bob");
    const sdk = createNatterClient({ url: server.url, token: alice.token });
    await sdk.trpc.users.update.mutate({ displayName: "Alice Liddell" });
    await sdk.trpc.rooms.create.mutate({ name: "garden", memberIds: [bob.id] });
    await sdk.close();
    browser = await launchChromium();
    alicePage = await signedIn(alice);
    bobPage = await signedIn(bob);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("opens a direct room from a room's members; the other person sees it under their name and they talk", async () => {
    await bobPage.getByRole("link", { name: "garden" }).click();
    await bobPage.getByRole("button", { name: /^Members/ }).click();
    await bobPage.getByRole("button", { name: "Message alice" }).click();
    // Bob's direct room is titled by Alice's display name, with no rename or leave.
    await bobPage.getByRole("heading", { level: 1, name: /Alice Liddell/ }).waitFor();
    expect(await bobPage.getByRole("button", { name: "Rename" }).count()).toBe(0);
    expect(await bobPage.getByRole("button", { name: "Leave" }).count()).toBe(0);
    await bobPage.getByLabel("Message", { exact: true }).fill("just us two");
    await bobPage.getByLabel("Message", { exact: true }).press("Enter");

    await directList(alicePage).getByRole("link", { name: /bob/ }).click();
    await alicePage.locator(".message .body", { hasText: "just us two" }).waitFor();
    // The direct room is listed apart from the rooms, once, on both sides.
    expect(
      await rooms(alicePage).getByRole("list", { name: "Your rooms" }).getByRole("link").allTextContents(),
    ).toEqual(["garden"]);
    expect(await directList(bobPage).getByRole("link").count()).toBe(1);
    const findings = await axeViolations(alicePage);
    expect(findings.filter((finding) => finding.impact === "serious" || finding.impact === "critical")).toEqual([]);
    await screenshot(alicePage, "dm-01-direct-room");
  });

  it("blocks from the direct room: the blocked person's send is refused until unblocked", async () => {
    await alicePage.getByRole("button", { name: "Block bob", exact: true }).click();
    await alicePage.getByRole("button", { name: "Unblock bob", exact: true }).waitFor();
    const sdk = createNatterClient({ url: server.url, token: bob.token });
    const { directRooms } = await sdk.trpc.dms.list.query({});
    const roomId = directRooms[0]?.room.id ?? "";
    await expect(sdk.trpc.messages.send.mutate({ roomId, body: "are you there?" })).rejects.toMatchObject({
      data: { error: { code: "BLOCKED" } },
    });
    await alicePage.getByRole("button", { name: "Unblock bob", exact: true }).click();
    await alicePage.getByRole("button", { name: "Block bob", exact: true }).waitFor();
    await sdk.trpc.messages.send.mutate({ roomId, body: "back again" });
    await alicePage.locator(".message .body", { hasText: "back again" }).waitFor();
    await sdk.close();
  });
});
