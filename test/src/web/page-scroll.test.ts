import { createNatterClient } from "@natter/client";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantServerAdmin, signUp, startTestServer, type TestServer } from "../harness/index.js";
import { browserAvailable, launchChromium, openContext, screenshot } from "./browser.js";

/** How far the document itself is scrolled, and how far it could be: both 0 when only the app's panes scroll. */
const documentScroll = (page: Page) =>
  page.evaluate<{ scrollTop: number; overflow: number }>(`(() => {
    const root = document.scrollingElement ?? document.documentElement;
    return { scrollTop: root.scrollTop, overflow: root.scrollHeight - root.clientHeight };
  })()`);

/**
 * The app is one screen whose panes scroll inside it (the messages, the sidebar, the admin
 * panel); the document never does. An element that escapes its pane (an absolutely placed
 * `.visually-hidden` label with no positioned ancestor) makes the page taller than the window,
 * and wheel turns or End then move the whole app off screen.
 */
describe.runIf(browserAvailable())("the page itself never scrolls", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let token: string;
  let roomPath: string;

  beforeAll(async () => {
    server = await startTestServer();
    const alice = await signUp(server.url, "scroller");
    token = alice.token;
    await grantServerAdmin(server.databaseUrl, alice.username);
    const sdk = createNatterClient({ url: server.url, token });
    const { room } = await sdk.trpc.rooms.create.mutate({ name: "long-room", open: true });
    for (let n = 1; n <= 60; n++) await sdk.sendMessage(room.id, `line ${n}: ${"a long enough message ".repeat(4)}`);
    await sdk.close();
    roomPath = `/rooms/${room.id}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function signedInPage(viewport: { width: number; height: number }): Promise<Page> {
    const { context, page } = await openContext(browser, viewport);
    await context.addInitScript(`localStorage.setItem("natter.token", ${JSON.stringify(token)})`);
    return page;
  }

  async function scrollHard(page: Page, pane: string): Promise<void> {
    await page.locator(pane).first().hover();
    for (let turn = 0; turn < 6; turn++) await page.mouse.wheel(0, 1500);
    await page.keyboard.press("End");
    await page.keyboard.press("PageDown");
    for (let turn = 0; turn < 6; turn++) await page.mouse.wheel(0, -1500);
    for (let turn = 0; turn < 6; turn++) await page.mouse.wheel(0, 1500);
  }

  for (const [screen, viewport] of [
    ["desktop", { width: 1200, height: 800 }],
    ["mobile", { width: 320, height: 640 }],
  ] as const) {
    it(`on the ${screen} chat screen, after scrolling a room of 60 messages`, async () => {
      const page = await signedInPage(viewport);
      await page.goto(`${server.url}${roomPath}`);
      await page.getByRole("heading", { level: 1, name: "long-room" }).waitFor();
      await page.locator(".message .body", { hasText: "line 60:" }).waitFor();
      // Older pages too, so the pane holds every message.
      await page.getByRole("button", { name: "Load older messages" }).click();
      await page.locator(".message .body", { hasText: "line 1:" }).waitFor();
      await scrollHard(page, ".messages");
      await page.getByLabel("Message", { exact: true }).focus();
      await page.keyboard.press("End");
      expect(await documentScroll(page)).toEqual({ scrollTop: 0, overflow: 0 });
      // The pane does scroll: it is the messages that moved, not the page.
      const pane = await page.locator(".messages").evaluate((element) => {
        const { scrollHeight, clientHeight } = element as unknown as { scrollHeight: number; clientHeight: number };
        return { scrollHeight, clientHeight };
      });
      expect(pane.scrollHeight).toBeGreaterThan(pane.clientHeight);
      await screenshot(page, `scroll-${screen}-room`);
      await page.context().close();
    });

    it(`on the ${screen} admin screen`, async () => {
      const page = await signedInPage(viewport);
      await page.goto(`${server.url}/admin`);
      await page.getByRole("heading", { level: 1, name: "Administration" }).waitFor();
      await page.getByRole("img", { name: /^Messages per hour/ }).waitFor();
      await page.getByText("The numbers as a table").click();
      await page.getByRole("list", { name: "Activity entries" }).getByRole("listitem").first().waitFor();
      await scrollHard(page, ".panel.admin");
      expect(await documentScroll(page)).toEqual({ scrollTop: 0, overflow: 0 });
      await screenshot(page, `scroll-${screen}-admin`);
      await page.context().close();
    });
  }
});
