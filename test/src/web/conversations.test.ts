import { createNatterClient } from "@natter/client";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, startTestServer, type TestServer, type TestUser } from "../harness/index.js";
import {
  browserAvailable,
  launchChromium,
  openContext,
  screenshot,
  seriousAxeFindings,
  signedInPage,
} from "./browser.js";

/** The room's own list of messages (not a thread's or the pinned list). */
const roomLog = (page: Page) => page.getByRole("log", { name: "Messages" });
const messageIn = (scope: Page | Locator, text: string) => scope.locator(".message", { hasText: text });

describe.runIf(browserAvailable())("reactions, threads, pins and receipts in the web app", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let alice: TestUser;
  let bob: TestUser;
  let alicePage: Page;
  let bobPage: Page;
  let roomId: string;

  beforeAll(async () => {
    server = await startTestServer();
    alice = await signUp(server.url, "alice");
    bob = await signUp(server.url, "bob");
    const sdk = createNatterClient({ url: server.url, token: alice.token });
    const { room } = await sdk.trpc.rooms.create.mutate({ name: "kitchen", memberIds: [bob.id] });
    roomId = room.id;
    await sdk.sendMessage(roomId, "what is for dinner?");
    await sdk.close();
    browser = await launchChromium();
    alicePage = await signedInPage(browser, server.url, alice.token);
    bobPage = await signedInPage(browser, server.url, bob.token);
    for (const page of [alicePage, bobPage]) {
      await page.getByRole("link", { name: "kitchen" }).click();
      await messageIn(roomLog(page), "what is for dinner?").waitFor();
    }
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("reacts from the picker's defaults and its search box; counts and my own reaction change live on both sides", async () => {
    const bobsView = messageIn(roomLog(bobPage), "what is for dinner?");
    const alicesView = messageIn(roomLog(alicePage), "what is for dinner?");
    await bobsView.getByRole("button", { name: "Add a reaction" }).click();
    await bobsView.getByLabel("Search emoji").fill("piz");
    // The search narrowed the choices to the one that matches.
    expect(await bobsView.getByRole("button", { name: /^React with/ }).count()).toBe(1);
    await bobsView.getByRole("button", { name: "React with 🍕" }).click();
    const alicePizza = alicesView.getByRole("button", { name: "1 🍕 reaction", exact: true });
    await alicePizza.waitFor();
    expect(await alicePizza.getAttribute("aria-pressed")).toBe("false");

    await alicesView.getByRole("button", { name: "Add a reaction" }).click();
    await alicesView.getByRole("button", { name: "React with 👍" }).click();
    await bobsView.getByRole("button", { name: "1 👍 reaction", exact: true }).click();
    await alicesView.getByRole("button", { name: "2 👍 reactions", exact: true }).waitFor();
    const bobThumbs = bobsView.getByRole("button", { name: "2 👍 reactions", exact: true });
    expect(await bobThumbs.getAttribute("aria-pressed")).toBe("true");
    // First-use order: the pizza came first.
    expect(await alicesView.locator(".reaction [aria-hidden]").allTextContents()).toEqual(["🍕", "👍"]);
    await bobThumbs.click();
    await alicesView.getByRole("button", { name: "1 👍 reaction", exact: true }).waitFor();
    expect(await seriousAxeFindings(bobPage)).toEqual([]);
    await screenshot(alicePage, "conversations-01-reactions");
  });

  it("opens a message's thread beside the room: replies arrive live there, the summary under the message, not in the room", async () => {
    const bobsView = messageIn(roomLog(bobPage), "what is for dinner?");
    await bobsView.getByRole("button", { name: "Reply in thread" }).click();
    const bobsThread = bobPage.getByRole("complementary", { name: "Thread" });
    await bobsThread.getByLabel("Reply in the thread").fill("pasta");
    await bobsThread.getByRole("button", { name: "Reply", exact: true }).click();
    await messageIn(bobsThread, "pasta").waitFor();

    const alicesView = messageIn(roomLog(alicePage), "what is for dinner?");
    await alicesView.getByRole("button", { name: "1 reply in the thread" }).click();
    const alicesThread = alicePage.getByRole("complementary", { name: "Thread" });
    await messageIn(alicesThread, "pasta").waitFor();
    await bobsThread.getByLabel("Reply in the thread").fill("with pesto");
    await bobsThread.getByLabel("Reply in the thread").press("Enter");
    await messageIn(alicesThread.getByRole("list", { name: "Replies" }), "with pesto").waitFor();
    await alicesView.getByRole("button", { name: "2 replies in the thread" }).waitFor();
    // Thread-only replies stay out of the room's own list, on both sides.
    for (const page of [alicePage, bobPage]) expect(await messageIn(roomLog(page), "pasta").count()).toBe(0);
    // A reaction in the thread is live too.
    await messageIn(alicesThread, "with pesto").getByRole("button", { name: "Add a reaction" }).click();
    await messageIn(alicesThread, "with pesto").getByRole("button", { name: "React with 🎉" }).click();
    await messageIn(bobsThread, "with pesto").getByRole("button", { name: "1 🎉 reaction", exact: true }).waitFor();
    expect(await seriousAxeFindings(alicePage)).toEqual([]);
    await screenshot(alicePage, "conversations-02-thread");
    await alicesThread.getByRole("button", { name: "Close thread" }).click();
    await bobsThread.getByRole("button", { name: "Close thread" }).click();
  });

  it("pins for the owner only; the pinned list and the mark follow pins and unpins live", async () => {
    const bobsView = messageIn(roomLog(bobPage), "what is for dinner?");
    expect(await bobsView.getByRole("button", { name: "Pin message" }).count()).toBe(0);
    await bobPage.getByRole("button", { name: "Pinned", exact: true }).click();
    const bobsPins = bobPage.getByRole("complementary", { name: "Pinned messages" });
    await bobsPins.getByText("Nothing is pinned.").waitFor();

    await messageIn(roomLog(alicePage), "what is for dinner?").getByRole("button", { name: "Pin message" }).click();
    await bobsView.locator(".tag.pinned").waitFor();
    await bobsPins.locator(".pinned-message", { hasText: "what is for dinner?" }).waitFor();
    await bobsPins.getByText("pinned by alice").waitFor();
    expect(await bobsPins.getByRole("button", { name: /Unpin/ }).count()).toBe(0);
    expect(await seriousAxeFindings(bobPage)).toEqual([]);
    await screenshot(bobPage, "conversations-03-pins");

    await messageIn(roomLog(alicePage), "what is for dinner?").getByRole("button", { name: "Unpin message" }).click();
    await bobsPins.getByText("Nothing is pinned.").waitFor();
    expect(await bobsView.locator(".tag.pinned").count()).toBe(0);
    await bobPage.getByRole("button", { name: "Pinned", exact: true }).click();
  });

  it("shows who has seen the newest messages, live as they read", async () => {
    await alicePage.getByLabel("Message", { exact: true }).fill("dinner at eight");
    await alicePage.getByLabel("Message", { exact: true }).press("Enter");
    // Bob has the room open: the message counts as read, and Alice sees it.
    await messageIn(roomLog(bobPage), "dinner at eight").waitFor();
    await messageIn(roomLog(alicePage), "dinner at eight").getByText("Seen by bob").waitFor();
    // Only under the newest message Bob read: not under the older one any more.
    expect(await messageIn(roomLog(alicePage), "what is for dinner?").getByText("Seen by").count()).toBe(0);
    // A page opened afterwards learns it from the room's receipts.
    const later = await signedInPage(browser, server.url, alice.token);
    await later.getByRole("link", { name: "kitchen" }).click();
    await messageIn(roomLog(later), "dinner at eight").getByText("Seen by bob").waitFor();
    await later.context().close();
  });

  it("is usable at 320 px: the picker and the thread take the width without overflowing", async () => {
    const { context, page } = await openContext(browser, { width: 320, height: 640 });
    await context.addInitScript(`localStorage.setItem("natter.token", ${JSON.stringify(bob.token)})`);
    await page.goto(`${server.url}/rooms/${roomId}`);
    const message = messageIn(roomLog(page), "what is for dinner?");
    await message.getByRole("button", { name: "Add a reaction" }).click();
    await message.getByLabel("Search emoji").waitFor();
    const overflow = () => page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
    expect(await overflow()).toBeLessThanOrEqual(0);
    await message.getByRole("button", { name: "2 replies in the thread" }).click();
    await messageIn(page.getByRole("complementary", { name: "Thread" }), "with pesto").waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, "conversations-04-thread-320");
    await context.close();
  });

  it("shows live in the room a reply another client sent to its thread and to the room, not a thread-only one", async () => {
    const sdk = createNatterClient({ url: server.url, token: bob.token });
    const root = await sdk.sendMessage(roomId, "who brings dessert?");
    const alicesRoot = messageIn(roomLog(alicePage), "who brings dessert?");
    await alicesRoot.waitFor();
    await sdk.sendMessage(roomId, "cake, thread only", { threadId: root.id });
    await sdk.sendMessage(roomId, "I will bring cake", { threadId: root.id, alsoInRoom: true });
    await messageIn(roomLog(alicePage), "I will bring cake").waitFor();
    await alicesRoot.getByRole("button", { name: "2 replies in the thread" }).waitFor();
    // The thread-only reply came first: had it been shown, it would be there by now.
    expect(await messageIn(roomLog(alicePage), "cake, thread only").count()).toBe(0);
    await sdk.close();
  });
});
