import { createNatterClient } from "@natter/client";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUp, startTestServer, type TestServer, type TestUser } from "../harness/index.js";
import { browserAvailable, launchChromium, screenshot, seriousAxeFindings, signedInPage } from "./browser.js";

describe.runIf(browserAvailable())("'My threads' and 'who reacted' in the web app", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let alice: TestUser;
  let bob: TestUser;
  let roomId: string;

  beforeAll(async () => {
    server = await startTestServer();
    alice = await signUp(server.url, "alice");
    bob = await signUp(server.url, "bob");
    const sdk = createNatterClient({ url: server.url, token: alice.token });
    const { room } = await sdk.trpc.rooms.create.mutate({ name: "garden", memberIds: [bob.id] });
    roomId = room.id;
    await sdk.close();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("lists the thread Alice started with Bob's unread replies; choosing it opens the room with the thread beside it", async () => {
    const aliceSdk = createNatterClient({ url: server.url, token: alice.token });
    const bobSdk = createNatterClient({ url: server.url, token: bob.token });
    const root = await aliceSdk.sendMessage(roomId, "who waters the tomatoes?");
    await aliceSdk.sendMessage(roomId, "no thread under this one");
    await bobSdk.sendMessage(roomId, "me on mondays", { threadId: root.id });
    await bobSdk.sendMessage(roomId, "and fridays", { threadId: root.id });
    await Promise.all([aliceSdk.close(), bobSdk.close()]);

    const page = await signedInPage(browser, server.url, alice.token);
    // The entry is a link in the sidebar, reached and followed from the keyboard.
    const entry = page.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: "My threads" });
    await entry.focus();
    await entry.press("Enter");
    await page.getByRole("heading", { name: "My threads", level: 1 }).waitFor();
    expect(await entry.getAttribute("aria-current")).toBe("page");
    const threads = page.getByRole("list", { name: "My threads" });
    const item = threads.getByRole("link", { name: /who waters the tomatoes\?/ });
    await item.waitFor();
    // Only the message with replies is a thread; both of Bob's replies are unread for Alice.
    expect(await threads.getByRole("listitem").count()).toBe(1);
    expect(await item.getByTestId("thread-unread").innerText()).toMatch(/^2\s*unread$/);
    expect(await item.innerText()).toContain("in garden");
    expect(await item.innerText()).toContain("2 replies");
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, "my-threads-01-list");

    await item.click();
    const thread = page.getByRole("complementary", { name: "Thread" });
    await thread.locator(".message", { hasText: "and fridays" }).waitFor();
    await thread.locator(".message", { hasText: "me on mondays" }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/rooms/${roomId}`);
    expect(new URL(page.url()).searchParams.get("thread")).toBe(root.id);
    // A reload of the address opens the same screen (the server answers /threads with the app).
    await page.goto(`${server.url}/threads`);
    await page
      .getByRole("list", { name: "My threads" })
      .getByRole("link", { name: /who waters/ })
      .waitFor();
    await page.context().close();
  });

  it("keeps 'My threads' live: a reply moves its thread up with the new counts, a new thread appears", async () => {
    const aliceSdk = createNatterClient({ url: server.url, token: alice.token });
    const bobSdk = createNatterClient({ url: server.url, token: bob.token });
    const beans = await aliceSdk.sendMessage(roomId, "when do we sow the beans?");
    const compost = await aliceSdk.sendMessage(roomId, "who turns the compost?");
    await bobSdk.sendMessage(roomId, "after the frosts", { threadId: beans.id });

    const page = await signedInPage(browser, server.url, alice.token);
    await page.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: "My threads" }).click();
    const threads = page.getByRole("list", { name: "My threads" });
    const beansItem = threads.getByRole("link", { name: /when do we sow the beans\?/ });
    await beansItem.waitFor();
    expect(await beansItem.innerText()).toContain("1 reply");
    expect(await threads.getByRole("link", { name: /who turns the compost/ }).count()).toBe(0);
    // Nothing below reloads the page: the marker would be gone.
    await page.evaluate(() => Object.assign(globalThis, { stillTheSamePage: true }));

    await bobSdk.sendMessage(roomId, "mid april", { threadId: beans.id });
    await expect.poll(() => beansItem.innerText(), { timeout: 10_000 }).toContain("2 replies");
    expect(await beansItem.getByTestId("thread-unread").innerText()).toMatch(/^2\s*unread$/);

    // Bob answers under a message of Alice's that had no thread (in a room of a thread shown, so
    // watched): it is one of hers now, newest on top.
    await bobSdk.sendMessage(roomId, "I will, on sundays", { threadId: compost.id });
    const compostItem = threads.getByRole("link", { name: /who turns the compost\?/ });
    await compostItem.waitFor({ timeout: 10_000 });
    expect(await threads.getByRole("listitem").first().innerText()).toContain("who turns the compost?");
    expect(await compostItem.innerText()).toContain("1 reply");
    expect(await page.evaluate(() => (globalThis as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, "my-threads-03-live");
    await Promise.all([aliceSdk.close(), bobSdk.close()]);
    await page.context().close();
  });

  it("shows live the first thread in a room of mine that had none in the list", async () => {
    const aliceSdk = createNatterClient({ url: server.url, token: alice.token });
    const bobSdk = createNatterClient({ url: server.url, token: bob.token });
    const { room: shed } = await aliceSdk.trpc.rooms.create.mutate({ name: "shed", memberIds: [bob.id] });
    const question = await aliceSdk.sendMessage(shed.id, "where did the spade go?");
    const rake = await aliceSdk.sendMessage(roomId, "who has the rake?");
    await bobSdk.sendMessage(roomId, "in the shed", { threadId: rake.id });

    const page = await signedInPage(browser, server.url, alice.token);
    await page.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: "My threads" }).click();
    const threads = page.getByRole("list", { name: "My threads" });
    // The list has been read (a thread of the garden is in it), and nothing in it is in the shed.
    await threads.getByRole("link", { name: /who has the rake\?/ }).waitFor();
    expect(await threads.getByRole("link", { name: /in shed/ }).count()).toBe(0);
    await page.evaluate(() => Object.assign(globalThis, { stillTheSamePage: true }));

    await bobSdk.sendMessage(shed.id, "behind the mower", { threadId: question.id });
    const item = threads.getByRole("link", { name: /where did the spade go\?/ });
    await item.waitFor({ timeout: 10_000 });
    expect(await threads.getByRole("listitem").first().innerText()).toContain("where did the spade go?");
    expect(await item.innerText()).toContain("in shed");
    expect(await item.innerText()).toContain("1 reply");
    expect(await page.evaluate(() => (globalThis as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);
    await Promise.all([aliceSdk.close(), bobSdk.close()]);
    await page.context().close();
  });

  it("lists who reacted with an emoji from the 'who' control beside its chip; the chip still toggles", async () => {
    const aliceSdk = createNatterClient({ url: server.url, token: alice.token });
    const bobSdk = createNatterClient({ url: server.url, token: bob.token });
    const message = await aliceSdk.sendMessage(roomId, "first strawberries are ripe");
    await aliceSdk.react(roomId, message.id, "👍");
    await bobSdk.react(roomId, message.id, "👍");
    await Promise.all([aliceSdk.close(), bobSdk.close()]);

    const page = await signedInPage(browser, server.url, alice.token);
    await page.getByRole("link", { name: "garden" }).click();
    const view = page.getByRole("log", { name: "Messages" }).locator(".message", { hasText: "first strawberries" });
    const who = view.getByRole("button", { name: "Who reacted with 👍", exact: true });
    await who.click();
    expect(await who.getAttribute("aria-expanded")).toBe("true");
    const reactors = view.getByRole("list", { name: "Who reacted with 👍" });
    // Earliest first; names arrive as they are looked up.
    await expect
      .poll(() => reactors.getByRole("listitem").allInnerTexts(), { timeout: 10_000 })
      .toEqual(["alice (you)", "bob"]);
    // Two reactors fit one page: no "More".
    expect(await view.getByRole("button", { name: "More who reacted with 👍" }).count()).toBe(0);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await screenshot(page, "my-threads-02-who-reacted");

    // The chip itself still takes my reaction back; the open list follows.
    await view.getByRole("button", { name: "2 👍 reactions", exact: true }).click();
    await view.getByRole("button", { name: "1 👍 reaction", exact: true }).waitFor();
    await expect.poll(() => reactors.getByRole("listitem").allInnerTexts(), { timeout: 10_000 }).toEqual(["bob"]);
    await view.getByRole("button", { name: "Close who reacted with 👍" }).click();
    expect(await reactors.count()).toBe(0);
    await page.context().close();
  });

  it("names who reacted by display name with the username, or by username alone when they set none", async () => {
    const carol = await signUp(server.url, "carol");
    const aliceSdk = createNatterClient({ url: server.url, token: alice.token });
    const carolSdk = createNatterClient({ url: server.url, token: carol.token });
    await carolSdk.trpc.users.update.mutate({ displayName: "Carol Gardener" });
    const { room } = await aliceSdk.trpc.rooms.create.mutate({ name: "orchard", memberIds: [carol.id] });
    const message = await aliceSdk.sendMessage(room.id, "the plums are in");
    await aliceSdk.react(room.id, message.id, "🎉");
    await carolSdk.react(room.id, message.id, "🎉");
    await Promise.all([aliceSdk.close(), carolSdk.close()]);

    const page = await signedInPage(browser, server.url, alice.token);
    await page.getByRole("link", { name: "orchard" }).click();
    const view = page.getByRole("log", { name: "Messages" }).locator(".message", { hasText: "the plums are in" });
    await view.getByRole("button", { name: "Who reacted with 🎉", exact: true }).click();
    const reactors = view.getByRole("list", { name: "Who reacted with 🎉" });
    await expect
      .poll(() => reactors.getByRole("listitem").allInnerTexts(), { timeout: 10_000 })
      .toEqual(["alice (you)", "Carol Gardener (@carol)"]);
    expect(await seriousAxeFindings(page)).toEqual([]);
    await page.context().close();
  });
});
