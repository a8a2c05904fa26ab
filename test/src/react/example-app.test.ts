import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { build, type PreviewServer, preview } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, signUpMany, startTestServer, type TestServer, type TestUser } from "../harness/index.js";
import { send } from "../messages/room-fixtures.js";
import { type FlakyProxy, startFlakyProxy } from "../sdk/flaky-proxy.js";
import { axeViolations, browserAvailable, type ContextProblems, launchChromium, openContext } from "../web/browser.js";

const EXAMPLE = fileURLToPath(new URL("../../../examples/react-chat", import.meta.url));

/** One person in the example app, in a browser context of their own. */
interface Person {
  user: TestUser;
  page: Page;
  problems: ContextProblems;
  /** Takes the person's browser off the network, or back. */
  setOffline(offline: boolean): Promise<void>;
}

/** An element as the page's code sees it (the suite compiles without the DOM library). */
type Scrollable = { scrollTop: number };

/** A stored message's line (`Name: body`), not one still sending or refused. */
const stored = (page: Page, body: string) =>
  page.getByRole("list", { name: "Messages" }).locator("li.stored", { hasText: new RegExp(`: ${body}$`) });
const status = (page: Page) => page.getByRole("main").getByRole("status");
/** Waits on visible state with room for a busy machine (and for a socket's keep-alive to notice a cut network). */
const SLOW = { timeout: 45_000, interval: 100 };
const navButton = (page: Page, name: string) =>
  page.getByRole("navigation", { name: "Rooms" }).getByRole("button", { name: new RegExp(`^${name}`) });

/**
 * examples/react-chat, built by Vite into the OS temp dir and served from loopback by Vite's
 * preview server, which passes /trpc (WebSocket too) and /api on to a real natter server.
 * Bob's copy reaches natter through a proxy that can cut the line: Chromium's offline mode
 * fails new requests but leaves an open WebSocket running, where a real outage ends it.
 */
describe.runIf(browserAvailable())("the React example app in Chromium", { timeout: 120_000 }, () => {
  let server: TestServer;
  const sites: PreviewServer[] = [];
  let bobsLine: FlakyProxy;
  let outDir: string;
  let browser: Browser;
  let alice: Person;
  let bob: Person;

  let appUrl: string;
  const configFile = join(EXAMPLE, "vite.config.ts");

  /** Serves the built app on a loopback port of its own, passing natter's paths on to `natterUrl`. */
  async function serve(natterUrl: string): Promise<string> {
    const proxy = { "/trpc": { target: natterUrl, ws: true }, "/api": { target: natterUrl } };
    const site = await preview({
      root: EXAMPLE,
      configFile,
      logLevel: "warn",
      build: { outDir },
      preview: { host: "127.0.0.1", port: 0, proxy, open: false },
    });
    sites.push(site);
    return `http://127.0.0.1:${(site.httpServer.address() as AddressInfo).port}`;
  }

  async function person(user: TestUser, url: string, line?: FlakyProxy): Promise<Person> {
    const { context, page, problems } = await openContext(browser);
    await page.goto(url);
    await page.getByLabel("Username").fill(user.username);
    await page.getByLabel("Password").fill(user.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByText(`Signed in as ${user.username}`).waitFor();
    const setOffline = async (offline: boolean) => {
      line?.setDropping(offline);
      await context.setOffline(offline);
    };
    return { user, page, problems, setOffline };
  }

  async function write(page: Page, text: string): Promise<void> {
    await page.getByLabel("Message", { exact: true }).fill(text);
    await page.getByLabel("Message", { exact: true }).press("Enter");
  }

  beforeAll(async () => {
    server = await startTestServer();
    outDir = mkdtempSync(join(tmpdir(), "natter-react-chat-"));
    await build({ root: EXAMPLE, configFile, logLevel: "error", build: { outDir, emptyOutDir: true } });
    appUrl = await serve(server.url);
    bobsLine = await startFlakyProxy(server.url, { dropChance: 1, seed: 28 });
    const bobsUrl = await serve(bobsLine.url);
    browser = await launchChromium();
    const [aliceUser, bobUser] = await signUpMany(server.url, 2);
    await createRoom(server.url, aliceUser.token, { name: "tea", memberIds: [bobUser.id] });
    await createRoom(server.url, aliceUser.token, { name: "side", memberIds: [bobUser.id] });
    alice = await person(aliceUser, appUrl);
    bob = await person(bobUser, bobsUrl, bobsLine);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    for (const site of sites) await site.close();
    await bobsLine?.close();
    await server?.stop();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it("signs in with no accessibility finding and loads nothing from off the machine", async () => {
    for (const { page } of [alice, bob]) {
      await navButton(page, "tea").click();
      await page.getByRole("heading", { level: 1, name: "tea" }).waitFor();
    }
    for (const { page, problems } of [alice, bob]) {
      await expect.poll(() => status(page).textContent(), SLOW).toMatch(/^Live, 2 here/);
      expect(await axeViolations(page)).toEqual([]);
      expect(problems).toEqual({ consoleErrors: [], offMachineRequests: [] });
    }
    const { page } = await openContext(browser);
    await page.goto(appUrl);
    await page.getByRole("button", { name: "Log in" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.context().close();
  });

  it("two people chat live, with typing shown and unread counted in the other room", async () => {
    await alice.page.getByLabel("Message", { exact: true }).fill("hello b");
    await expect.poll(() => status(bob.page).textContent(), SLOW).toContain(`${alice.user.username} typing…`);
    await write(alice.page, "hello bob");
    await stored(bob.page, "hello bob").waitFor();
    await expect.poll(() => status(bob.page).textContent(), SLOW).not.toContain("typing");
    await write(bob.page, "hi alice");
    await stored(alice.page, "hi alice").waitFor();
    await expect(stored(alice.page, "hello bob").textContent()).resolves.toBe("You: hello bob");
    await expect(stored(bob.page, "hello bob").textContent()).resolves.toBe(`${alice.user.username}: hello bob`);

    await navButton(alice.page, "side").click();
    await alice.page.getByRole("heading", { level: 1, name: "side" }).waitFor();
    await write(alice.page, "over here");
    await stored(alice.page, "over here").waitFor();
    await expect.poll(() => navButton(bob.page, "side").textContent(), SLOW).toBe("side (1 unread)");
    await navButton(alice.page, "tea").click();
    expect(await axeViolations(bob.page)).toEqual([]);
  });

  it("goes offline and back: misses nothing, marks the send that failed, and sends it once on retry", async () => {
    const before = bob.problems.consoleErrors.length;
    await bob.setOffline(true);
    await expect.poll(() => status(bob.page).textContent(), SLOW).toMatch(/^reconnecting/);
    await write(alice.page, "while you were away");
    await stored(alice.page, "while you were away").waitFor();
    await write(bob.page, "sent while offline");
    await bob.page.locator("li.failed", { hasText: "sent while offline" }).waitFor();

    await bob.setOffline(false);
    await expect.poll(() => status(bob.page).textContent(), SLOW).toMatch(/^Live/);
    await stored(bob.page, "while you were away").waitFor();
    await bob.page.getByRole("button", { name: "Retry" }).click();
    await stored(alice.page, "sent while offline").waitFor();
    await stored(bob.page, "sent while offline").waitFor();
    // Alice writes after it: once hers is in on both sides, a doubled send would be too.
    await write(alice.page, "after the outage");
    for (const { page } of [alice, bob]) {
      await stored(page, "after the outage").waitFor();
      expect(await stored(page, "sent while offline").count()).toBe(1);
      expect(await stored(page, "while you were away").count()).toBe(1);
      expect(await page.locator("li.failed, li.pending").count()).toBe(0);
    }
    // Chromium logs each request and socket the page tried while offline; those lines are the only ones allowed.
    const offline = bob.problems.consoleErrors.splice(before);
    expect(offline.filter((line) => !line.endsWith("net::ERR_INTERNET_DISCONNECTED"))).toEqual([]);
  });

  it("loads older pages of a long room as the list is scrolled up, in order and without a duplicate", async () => {
    const { id } = await createRoom(server.url, alice.user.token, { name: "archive", memberIds: [bob.user.id] });
    for (let n = 1; n <= 100; n++) await send(server.url, alice.user, id, `archived ${n}`);
    await bob.page.reload();
    await navButton(bob.page, "archive").click();
    await stored(bob.page, "archived 100").waitFor();
    const list = bob.page.getByRole("list", { name: "Messages" });
    // One page of 30 at first.
    expect(await list.locator("li").count()).toBe(30);
    await expect
      .poll(
        async () => {
          await list.evaluate((element) => {
            (element as unknown as Scrollable).scrollTop = 0;
          });
          return stored(bob.page, "archived 1").count();
        },
        { timeout: 30_000 },
      )
      .toBe(1);
    const bodies = await list.locator("li.stored").allTextContents();
    expect(bodies).toEqual(Array.from({ length: 100 }, (_, i) => `${alice.user.username}: archived ${i + 1}`));
    expect(await bob.page.getByRole("button", { name: "Load older messages" }).count()).toBe(0);
    expect(await axeViolations(bob.page)).toEqual([]);
    expect(bob.problems.consoleErrors).toEqual([]);
    expect([...alice.problems.offMachineRequests, ...bob.problems.offMachineRequests]).toEqual([]);
  });
});
