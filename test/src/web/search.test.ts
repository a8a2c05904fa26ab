import { createNatterClient } from "@natter/client";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/index.js";
import { axeViolations, browserAvailable, launchChromium, openContext, screenshot } from "./browser.js";

const PASSWORD = "correct horse battery";

/** The web app's search: the box in the top bar, results with what matched marked, a result opening its room. */
describe.runIf(browserAvailable())("searching messages in the chat app", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("finds messages, marks the matched words as text, and opens the room at the message", async () => {
    const sdk = createNatterClient({ url: server.url });
    await sdk.signUp("searcher", PASSWORD);
    const room = (await sdk.trpc.rooms.create.mutate({ name: "field-notes", open: true })).room;
    // The message searched for is the oldest of more than a page, so the room must load older history to show it.
    const target = await sdk.sendMessage(room.id, "The <b>pangolin</b> was seen near the café");
    for (let i = 0; i < 60; i++) await sdk.sendMessage(room.id, `filler message ${i}`);
    await sdk.close();

    const { context, page, problems } = await openContext(browser);
    try {
      await page.goto(server.url);
      await page.getByLabel("Username").fill("searcher");
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByText("Signed in as").waitFor();

      await page.getByLabel("Search messages").fill("pangolin cafe");
      await page.getByLabel("Search messages").press("Enter");
      await page.getByRole("heading", { level: 1, name: "Messages matching “pangolin cafe”" }).waitFor();
      const hit = page.locator(".search-hit");
      await hit.first().waitFor();
      expect(await hit.count()).toBe(1);
      // The body is text: its markup shows as written, and only the matched words are marked.
      expect(await hit.locator(".body").textContent()).toBe("The <b>pangolin</b> was seen near the café");
      expect(await hit.locator("mark").allTextContents()).toEqual(["pangolin", "café"]);
      expect(await hit.locator(".body b").count()).toBe(0);
      expect(new URL(page.url()).search).toBe(`?q=${encodeURIComponent("pangolin cafe")}`);
      const findings = await axeViolations(page);
      expect(findings.filter((finding) => finding.impact === "serious" || finding.impact === "critical")).toEqual([]);
      await screenshot(page, "search-results");

      await hit.getByRole("link").click();
      await page.getByRole("heading", { level: 1, name: "field-notes" }).waitFor();
      const focused = page.locator(`#message-${target.id}.focused`);
      await focused.waitFor();
      await expect.poll(() => focused.isVisible()).toBe(true);

      await page.getByLabel("Search messages").fill("okapi");
      await page.getByLabel("Search messages").press("Enter");
      await page.getByText("No messages match.").waitFor();
      expect(problems.consoleErrors).toEqual([]);
      expect(problems.offMachineRequests).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("searches one thread from its panel, and a reply found opens the room with its thread and the reply marked", async () => {
    const sdk = createNatterClient({ url: server.url });
    await sdk.signUp("thread-searcher", PASSWORD);
    const room = (await sdk.trpc.rooms.create.mutate({ name: "expedition", open: true })).room;
    const root = await sdk.sendMessage(room.id, "Quokka survey: who is coming?");
    const reply = await sdk.sendMessage(room.id, "I will count the quokka burrows", { threadId: root.id });
    await sdk.sendMessage(room.id, "Tea after the survey", { threadId: root.id });
    const elsewhere = await sdk.sendMessage(room.id, "A quokka outside the thread");
    await sdk.close();

    const { context, page, problems } = await openContext(browser);
    try {
      await page.goto(`${server.url}/rooms/${room.id}`);
      await page.getByLabel("Username").fill("thread-searcher");
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { level: 1, name: "expedition" }).waitFor();
      await page.getByRole("button", { name: "2 replies in the thread" }).click();
      const thread = page.getByRole("complementary", { name: "Thread" });
      await thread.getByLabel("Search this thread").fill("quokka");
      await thread.getByLabel("Search this thread").press("Enter");

      await page.getByRole("heading", { level: 1, name: "Messages matching “quokka” in a thread" }).waitFor();
      const hits = page.locator(".search-hit");
      await hits.first().waitFor();
      // The thread's first message and its reply that match; not the room's message outside it, nor the reply that does not match.
      expect((await hits.locator(".body").allTextContents()).sort()).toEqual(
        ["I will count the quokka burrows", "Quokka survey: who is coming?"].sort(),
      );
      expect(new URL(page.url()).searchParams.get("thread")).toBe(root.id);
      const findings = await axeViolations(page);
      expect(findings.filter((finding) => finding.impact === "serious" || finding.impact === "critical")).toEqual([]);

      await hits.filter({ hasText: "burrows" }).getByRole("link").click();
      await page.getByRole("heading", { level: 1, name: "expedition" }).waitFor();
      const marked = page.getByRole("complementary", { name: "Thread" }).locator(".message.focused");
      await marked.waitFor();
      expect(await marked.getAttribute("id")).toBe(`message-${reply.id}`);
      await expect.poll(() => marked.isVisible()).toBe(true);
      await screenshot(page, "search-in-thread-result");

      // Back to the results, then all messages: the one outside the thread too.
      await page.goBack();
      await page.getByRole("link", { name: "Search all messages" }).click();
      await page.getByRole("heading", { level: 1, name: "Messages matching “quokka”" }).waitFor();
      await expect.poll(() => hits.count()).toBe(3);
      expect(await page.locator(`.search-hit a[href*="${elsewhere.id}"]`).count()).toBe(1);
      expect(problems.consoleErrors).toEqual([]);
      expect(problems.offMachineRequests).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
