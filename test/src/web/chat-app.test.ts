import { createNatterClient, isNatterError } from "@natter/client";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startTestServer, type TestServer } from "../harness/index.js";
import { png } from "../uploads/images.js";
import {
  type AxeFinding,
  axeViolations,
  browserAvailable,
  type ContextProblems,
  launchChromium,
  openContext,
  screenshot,
} from "./browser.js";

const PASSWORD = "correct horse battery";

/** A person using the app in their own browser context. */
interface Person {
  name: string;
  context: BrowserContext;
  page: Page;
  problems: ContextProblems;
}

/**
 * An element as the page's code reads it. The suite compiles without the DOM library, and
 * React's types (the hook tests) declare empty stand-ins for HTMLElement and its kin.
 */
type Attributed = { getAttribute(name: string): string | null };

const delivered = (page: Page, text: string) => page.locator(".message:not(.pending) .body", { hasText: text });
/** The largest upload the test server takes: small, so that a refusal (413) is quick to provoke. */
const UPLOAD_MAX_BYTES = 100_000;

/** A colourful JPEG drawn by the page's own canvas (evaluation is not subject to the page's CSP). */
async function drawnJpeg(page: Page, width: number, height: number): Promise<Buffer> {
  const dataUrl = await page.evaluate<string>(`(() => {
    const canvas = document.createElement("canvas");
    canvas.width = ${width};
    canvas.height = ${height};
    const g = canvas.getContext("2d");
    const gradient = g.createLinearGradient(0, 0, ${width}, ${height});
    gradient.addColorStop(0, "#2d55c9");
    gradient.addColorStop(1, "#f3a712");
    g.fillStyle = gradient;
    g.fillRect(0, 0, ${width}, ${height});
    g.fillStyle = "#ffffff";
    g.font = "bold 72px sans-serif";
    g.fillText("natter", 40, ${height / 2});
    return canvas.toDataURL("image/jpeg", 0.85);
  })()`);
  return Buffer.from(dataUrl.slice(dataUrl.indexOf(",") + 1), "base64");
}

/** The width of the picture an `<img>` loaded: 0 until its bytes are in. */
const naturalWidth = (image: Locator) =>
  image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth);
const badgeOf = (page: Page, roomName: string) =>
  page.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name: roomName }).locator(".badge");

// A busy machine slows every step of a real browser: waits are on visible state, with room to spare.
describe.runIf(browserAvailable())("the chat app in Chromium", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let alice: Person;
  let bob: Person;
  let carol: Person;
  const axeFindings: Record<string, AxeFinding[]> = {};
  const roomName = "tea-room";

  async function person(name: string, viewport?: { width: number; height: number }): Promise<Person> {
    const opened = await openContext(browser, viewport);
    return { name, ...opened };
  }

  async function checkAccessibility(page: Page, screen: string): Promise<void> {
    const findings = await axeViolations(page);
    axeFindings[screen] = findings;
    expect(findings.filter((finding) => finding.impact === "serious" || finding.impact === "critical")).toEqual([]);
  }

  async function signUp({ page, name }: Person): Promise<void> {
    await page.goto(server.url);
    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByLabel("Username").fill(name);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.getByText("Signed in as").waitFor();
  }

  /** Logs in through the SDK: the error code natter answers, or "ok". */
  async function sdkLogIn(username: string): Promise<string> {
    const sdk = createNatterClient({ url: server.url });
    try {
      await sdk.logIn(username, PASSWORD);
      return "ok";
    } catch (error) {
      return isNatterError(error) ? error.data.error.code : String(error);
    } finally {
      await sdk.close();
    }
  }

  async function openRoom(page: Page, name: string): Promise<void> {
    await page.getByRole("navigation", { name: "Rooms" }).getByRole("link", { name }).click();
    await page.getByRole("heading", { level: 1, name }).waitFor();
  }

  async function send(page: Page, text: string): Promise<void> {
    await page.getByLabel("Message", { exact: true }).fill(text);
    await page.getByLabel("Message", { exact: true }).press("Enter");
  }

  beforeAll(async () => {
    server = await startTestServer({
      config: { uploadMaxBytes: UPLOAD_MAX_BYTES, uploadStorageMaxBytes: 50 * 1024 * 1024 },
    });
    browser = await launchChromium();
    alice = await person("alice");
    bob = await person("bob");
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    console.log(`axe-core findings by screen: ${JSON.stringify(axeFindings, null, 2)}`);
  });

  it("signs two people up; the sign-in screen passes the accessibility check", async () => {
    await alice.page.goto(server.url);
    await alice.page.getByRole("heading", { name: "Sign in" }).waitFor();
    await screenshot(alice.page, "01-sign-in");
    await checkAccessibility(alice.page, "sign-in");
    await signUp(alice);
    await signUp(bob);
  });

  it("creates a room with a member found by name, who sees it appear", async () => {
    await alice.page.getByRole("link", { name: "New room" }).click();
    await alice.page.getByLabel("Name", { exact: true }).fill(roomName);
    await alice.page.getByLabel("Add people by username").fill("bo");
    await alice.page.locator("#new-room-member-suggestions option", { hasText: "bob" }).waitFor({ state: "attached" });
    await alice.page.getByLabel("Add people by username").fill("bob");
    await alice.page.getByRole("button", { name: "Add", exact: true }).click();
    await alice.page.getByRole("list", { name: "People to add" }).getByText("bob").waitFor();
    await checkAccessibility(alice.page, "new-room");
    await screenshot(alice.page, "02-new-room");
    await alice.page.getByRole("button", { name: "Create room" }).click();
    await alice.page.getByRole("heading", { level: 1, name: roomName }).waitFor();

    await openRoom(bob.page, roomName);
    await bob.page.getByRole("button", { name: "Members (2)" }).click();
    // The name as listed (the panel's "Message alice" button names her too).
    await bob.page
      .getByRole("complementary", { name: "Members" })
      .locator(".member-name", { hasText: "alice" })
      .waitFor();
    await bob.page.getByRole("button", { name: "Members (2)" }).click();
  });

  it("delivers messages live both ways", async () => {
    await send(alice.page, "hello bob");
    await delivered(bob.page, "hello bob").waitFor();
    await send(bob.page, "hi alice");
    await delivered(alice.page, "hi alice").waitFor();
    await expect.poll(() => delivered(alice.page, "hello bob").count()).toBe(1);
  });

  it("shows who is typing, until their message arrives", async () => {
    await bob.page.getByLabel("Message", { exact: true }).pressSequentially("still wri");
    await alice.page.getByText("bob is typing…").waitFor();
    await bob.page.getByLabel("Message", { exact: true }).pressSequentially("ting");
    await bob.page.getByLabel("Message", { exact: true }).press("Enter");
    await delivered(alice.page, "still writing").waitFor();
    await expect.poll(() => alice.page.locator(".typing").textContent()).toBe("");
    // Opened again at once (well inside the indicator's 5 s), the room does not show bob typing
    // what he has sent: once the room's live state is in (bob is here), the line is empty.
    await alice.page.reload();
    await delivered(alice.page, "still writing").waitFor();
    await alice.page.getByRole("button", { name: "Members (2)" }).click();
    await alice.page.getByRole("complementary", { name: "Members" }).getByText("2 here now").waitFor();
    expect(await alice.page.locator(".typing").textContent()).toBe("");
    await alice.page.getByRole("button", { name: "Members (2)" }).click();
  });

  it("shows edits and deletions on the other side in place", async () => {
    const mine = alice.page.locator(".message.own", { hasText: "hello bob" });
    await mine.getByRole("button", { name: "Edit message" }).click();
    await alice.page.getByLabel("Edit message").fill("hello bob, edited");
    await alice.page.getByRole("button", { name: "Save" }).click();
    await bob.page.locator(".message", { hasText: "hello bob, edited" }).getByText("(edited)").waitFor();

    const bobs = bob.page.locator(".message.own", { hasText: "hi alice" });
    await bobs.getByRole("button", { name: "Delete message" }).click();
    await bobs.getByRole("button", { name: "Delete for everyone" }).click();
    await alice.page.getByText("This message was deleted.").waitFor();
    await expect.poll(() => delivered(alice.page, "hi alice").count()).toBe(0);
  });

  it("sends an image that the other person sees inline and opens at full size", async () => {
    const picture = await drawnJpeg(alice.page, 640, 480);
    expect(picture.length).toBeLessThan(UPLOAD_MAX_BYTES);
    await alice.page.locator("#composer-images").setInputFiles({
      name: "sunrise.jpg",
      mimeType: "image/jpeg",
      buffer: picture,
    });
    const drafts = alice.page.getByRole("list", { name: "Images to send" });
    await drafts.getByText("Ready").waitFor();
    await send(alice.page, "look at this");

    const image = bob.page
      .locator(".message", { hasText: "look at this" })
      .getByRole("img", { name: "Image from alice" });
    await image.waitFor();
    // Sized from the message before it loads, so nothing moves when it does; fetched with the bearer header.
    expect([await image.getAttribute("width"), await image.getAttribute("height")]).toEqual(["320", "240"]);
    await expect.poll(() => naturalWidth(image)).toBe(640);
    expect(await image.getAttribute("src")).toMatch(/^blob:/);
    await expect.poll(() => drafts.count()).toBe(0);
    await delivered(alice.page, "look at this").waitFor();
    await checkAccessibility(bob.page, "room-with-image");
    await screenshot(bob.page, "03-image-message");

    await bob.page.getByRole("button", { name: "Image from alice: open full size (640 × 480)" }).click();
    const dialog = bob.page.getByRole("dialog", { name: "Image from alice" });
    await dialog.waitFor();
    await expect.poll(() => naturalWidth(dialog.getByRole("img"))).toBe(640);
    await checkAccessibility(bob.page, "image-open");
    await screenshot(bob.page, "03b-image-open");
    await bob.page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });

    // Dropped on the composer, sent without words: the file name is its caption.
    const dropped = await bob.page.evaluateHandle(
      `(() => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(${JSON.stringify([...png(64, 48)])})], "dropped.png", { type: "image/png" }));
        return transfer;
      })()`,
    );
    await bob.page.locator("form.composer").dispatchEvent("drop", { dataTransfer: dropped });
    await bob.page.getByRole("list", { name: "Images to send" }).getByText("Ready").waitFor();
    await bob.page.getByRole("button", { name: "Send" }).click();
    const droppedImage = alice.page
      .locator(".message", { hasText: "dropped.png" })
      .getByRole("img", { name: "Image from bob" });
    await expect.poll(() => naturalWidth(droppedImage)).toBe(64);
  });

  it("says plainly why an image was refused", async () => {
    const consoleErrorsBefore = alice.problems.consoleErrors.length;
    const picker = alice.page.locator("#composer-images");
    await picker.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a picture") });
    await alice.page
      .getByRole("alert")
      .getByText("notes.txt is not an image natter takes: send a PNG, JPEG, GIF or WebP.")
      .waitFor();
    await picker.setInputFiles({ name: "huge.png", mimeType: "image/png", buffer: png(64, 64, UPLOAD_MAX_BYTES * 2) });
    await alice.page
      .getByRole("alert")
      .getByText(`huge.png is too large. An upload may hold at most ${UPLOAD_MAX_BYTES} bytes.`)
      .waitFor();
    await screenshot(alice.page, "03c-image-refused");
    // Refused images are not sent: with no words either there is nothing to send.
    await expect.poll(() => alice.page.getByRole("button", { name: "Send" }).isDisabled()).toBe(true);
    await alice.page.getByRole("button", { name: "Remove notes.txt" }).click();
    await alice.page.getByRole("button", { name: "Remove huge.png" }).click();
    await alice.page.getByRole("list", { name: "Images to send" }).waitFor({ state: "detached" });
    // Chromium logs every refused request itself; those two lines are the only ones allowed.
    expect(alice.problems.consoleErrors.splice(consoleErrorsBefore)).toEqual([
      "Failed to load resource: the server responded with a status of 415 (Unsupported Media Type)",
      "Failed to load resource: the server responded with a status of 413 (Payload Too Large)",
    ]);
  });

  it("never renders message text as HTML", async () => {
    const markup = '<img src="x" data-injected="1"><b>bold</b> https://example.com';
    await send(bob.page, markup);
    const body = delivered(alice.page, "<b>bold</b>");
    await body.waitFor();
    expect(await body.textContent()).toBe(markup);
    expect(await alice.page.locator("[data-injected]").count()).toBe(0);
    expect(await alice.page.locator(".message b").count()).toBe(0);
  });

  it("renders the formatting grammar as elements, mentions highlighted, hostile markup as text", async () => {
    const hostile = "[x](javascript:alert(1)) <img src=x onerror=alert(1)>";
    await send(bob.page, `*bold* _slanted_ ~gone~ \`a<b>\` see https://example.org/a?b=1. @alice ${hostile}`);
    const body = delivered(alice.page, "javascript:alert");
    await body.waitFor();
    expect(await body.locator("strong").textContent()).toBe("bold");
    expect(await body.locator("em").textContent()).toBe("slanted");
    expect(await body.locator("s").textContent()).toBe("gone");
    expect(await body.locator("code").textContent()).toBe("a<b>");
    expect(await body.locator(".mention").textContent()).toBe("@alice");
    const links = body.locator("a");
    expect(await links.count()).toBe(1);
    expect(await links.getAttribute("href")).toBe("https://example.org/a?b=1");
    expect(await links.getAttribute("rel")).toBe("noopener noreferrer nofollow");
    expect(await body.textContent()).toContain(hostile);
    expect(await alice.page.locator(".message img[onerror], a[href^='javascript']").count()).toBe(0);
  });

  it("counts unread messages in rooms not on screen, takes a deleted one back, and clears them on opening", async () => {
    await bob.page.getByRole("link", { name: "natter" }).click();
    await bob.page.getByText("Welcome, bob").waitFor();
    await send(alice.page, "unread one");
    await send(alice.page, "unread two");
    await send(alice.page, "unread, then deleted");
    await expect.poll(() => badgeOf(bob.page, roomName).textContent()).toBe("3 unread");
    // A deleted message is no longer unread: the inbox stream gives the room's new counts.
    const regretted = alice.page.locator(".message.own", { hasText: "unread, then deleted" });
    await regretted.getByRole("button", { name: "Delete message" }).click();
    await regretted.getByRole("button", { name: "Delete for everyone" }).click();
    await expect.poll(() => badgeOf(bob.page, roomName).textContent()).toBe("2 unread");
    await screenshot(bob.page, "04-unread-counts");
    await openRoom(bob.page, roomName);
    await delivered(bob.page, "unread two").waitFor();
    await expect.poll(() => badgeOf(bob.page, roomName).count()).toBe(0);
  });

  it("keeps the session and the history across a reload", async () => {
    await bob.page.reload();
    await bob.page.getByText("Signed in as").waitFor();
    await bob.page.getByRole("heading", { level: 1, name: roomName }).waitFor();
    await delivered(bob.page, "unread two").waitFor();
    await delivered(bob.page, "hello bob, edited").waitFor();
    await checkAccessibility(bob.page, "room");
    await screenshot(bob.page, "05-room-desktop");
  });

  it("sends what was written offline exactly once when the network is back", async () => {
    const consoleErrorsBefore = bob.problems.consoleErrors.length;
    await bob.context.setOffline(true);
    await bob.page.getByText("Connection lost").waitFor();
    await send(bob.page, "written offline 1");
    await send(bob.page, "written offline 2");
    await bob.page.locator(".message.pending", { hasText: "written offline 2" }).waitFor();
    await screenshot(bob.page, "06-offline");

    await bob.context.setOffline(false);
    await bob.page.getByText("Connection is back").waitFor();
    // Chromium logs each request the app tried while offline itself; that line is the only one allowed.
    const offlineErrors = bob.problems.consoleErrors.splice(consoleErrorsBefore);
    expect(offlineErrors.filter((line) => line !== "Failed to load resource: net::ERR_INTERNET_DISCONNECTED")).toEqual(
      [],
    );
    for (const text of ["written offline 1", "written offline 2"]) {
      await delivered(alice.page, text).waitFor();
      await delivered(bob.page, text).waitFor();
    }
    await expect.poll(() => bob.page.locator(".message.pending").count()).toBe(0);
    // Alice sends after them: once hers is in, anything doubled would be in too.
    await send(alice.page, "after the outage");
    await delivered(bob.page, "after the outage").waitFor();
    for (const page of [alice.page, bob.page]) {
      expect(await delivered(page, "written offline 1").count()).toBe(1);
      expect(await delivered(page, "written offline 2").count()).toBe(1);
    }
  });

  it("scrolls history back page by page", async () => {
    const token = await alice.page.evaluate<string>("localStorage.getItem('natter.token')");
    const sdk = createNatterClient({ url: server.url, token });
    const { room } = await sdk.trpc.rooms.create.mutate({ name: "archive", open: true });
    for (let n = 1; n <= 75; n++) await sdk.sendMessage(room.id, `archived ${n}`);
    await sdk.close();

    await openRoom(alice.page, "archive");
    await delivered(alice.page, "archived 75").waitFor();
    expect(await delivered(alice.page, "archived 25").count()).toBe(0);
    await alice.page.getByRole("button", { name: "Load older messages" }).click();
    await delivered(alice.page, "archived 1").first().waitFor();
    await alice.page.getByRole("button", { name: "Load older messages" }).waitFor({ state: "detached" });
    const seqs = await alice.page
      .locator(".message[data-seq]")
      .evaluateAll((items) => items.map((item) => Number((item as unknown as Attributed).getAttribute("data-seq"))));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(await alice.page.locator(".message .body", { hasText: /^archived \d+$/ }).count()).toBe(75);
    expect((await alice.page.locator(".day-separator").allTextContents()).at(-1)).toBe("Today");
  });

  it("is readable and usable at 320 px wide", async () => {
    carol = await person("carol", { width: 320, height: 640 });
    await signUp(carol);
    await screenshot(carol.page, "07-narrow-rooms");
    await carol.page.getByRole("link", { name: "Discover" }).click();
    await carol.page.getByRole("heading", { name: roomName }).waitFor();
    await screenshot(carol.page, "07b-narrow-discover");
    await checkAccessibility(carol.page, "discover-narrow");
    await carol.page.getByRole("button", { name: `Join ${roomName}` }).click();
    await carol.page.getByRole("heading", { level: 1, name: roomName }).waitFor();
    await delivered(carol.page, "after the outage").waitFor();
    const overflow = await carol.page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(carol.page, "08-narrow-room");
    await checkAccessibility(carol.page, "room-narrow");
  });

  it("lets the owner and admins manage people and the room, live for everyone", async () => {
    const panelOf = (page: Page) => page.getByRole("complementary", { name: "Members" });
    const rowOf = (page: Page, name: string) => panelOf(page).getByRole("listitem").filter({ hasText: name });
    await openRoom(alice.page, roomName);
    await alice.page.getByRole("button", { name: "Members (3)" }).click();
    await bob.page.getByRole("button", { name: "Members (3)" }).click();
    // A member manages nobody and sees no room settings.
    await rowOf(bob.page, "carol").waitFor();
    expect(
      await panelOf(bob.page)
        .getByRole("button", { name: /^Manage/ })
        .count(),
    ).toBe(0);
    expect(await panelOf(bob.page).getByRole("button", { name: "Close the room" }).count()).toBe(0);

    // The owner deletes someone else's message; a member may not.
    const markup = (page: Page) => page.locator(".message", { hasText: "<b>bold</b>" });
    await markup(carol.page).waitFor();
    expect(await markup(carol.page).getByRole("button", { name: "Delete message" }).count()).toBe(0);
    await markup(alice.page).getByRole("button", { name: "Delete message" }).click();
    await markup(alice.page).getByRole("button", { name: "Delete for everyone" }).click();
    await delivered(bob.page, "<b>bold</b>").waitFor({ state: "detached" });

    await alice.page.getByRole("button", { name: "Manage bob" }).click();
    await alice.page.getByRole("button", { name: "Make admin" }).click();
    await rowOf(bob.page, "bob").getByText("admin", { exact: true }).waitFor();
    await checkAccessibility(alice.page, "members-manage");

    // Bob, now an admin, closes the room; Alice sees it closed.
    await panelOf(bob.page).getByRole("button", { name: "Close the room" }).click();
    await alice.page.getByRole("heading", { level: 1, name: roomName }).getByText("closed").waitFor();
    await panelOf(bob.page).getByRole("button", { name: "Open the room" }).waitFor();

    // An admin removes a member, who is told so and loses the room.
    await bob.page.getByRole("button", { name: "Manage carol" }).click();
    await bob.page.getByRole("button", { name: "Remove…" }).click();
    await bob.page.getByRole("button", { name: "Remove carol" }).click();
    await carol.page.getByText(`You were removed from ${roomName}.`).waitFor();
    await rowOf(alice.page, "carol").waitFor({ state: "detached" });
    await alice.page.getByRole("button", { name: "Members (2)" }).waitFor();

    // The owner hands the room over: the old owner becomes an admin.
    await alice.page.getByRole("button", { name: "Manage bob" }).click();
    await alice.page.getByRole("button", { name: "Make owner…" }).click();
    await screenshot(alice.page, "09-members-manage");
    await alice.page.getByRole("button", { name: "Make bob owner" }).click();
    await rowOf(bob.page, "bob").getByText("owner", { exact: true }).waitFor();
    await rowOf(bob.page, "alice").getByText("admin", { exact: true }).waitFor();
    await panelOf(bob.page).getByRole("button", { name: "Delete the room…" }).waitFor();
    await rowOf(alice.page, "bob").getByText("owner", { exact: true }).waitFor();
    expect(await panelOf(alice.page).getByRole("button", { name: "Delete the room…" }).count()).toBe(0);
    await panelOf(bob.page).getByRole("button", { name: "Open the room" }).click();
    await alice.page
      .getByRole("heading", { level: 1, name: roomName })
      .getByText("closed")
      .waitFor({ state: "detached" });
    await alice.page.getByRole("button", { name: "Members (2)" }).click();
    await bob.page.getByRole("button", { name: "Members (2)" }).click();

    await carol.context.close();
    expect(carol.problems).toEqual({ consoleErrors: [], offMachineRequests: [] });
  });

  it("shows a server admin the figures, the chart and the activity, with moderation", async () => {
    const { page } = alice;
    await page.getByText("Signed in as").waitFor();
    expect(await page.getByRole("link", { name: "Admin" }).count()).toBe(0);
    const granted = await runCli(["admin", "grant", "alice", "--db", server.databaseUrl]);
    expect(granted.code).toBe(0);
    expect(JSON.parse(granted.stdout)).toMatchObject({ isAdmin: true });
    // More than a page of activity: Bob joins and leaves the archive a few times.
    const bobsToken = await bob.page.evaluate<string>("localStorage.getItem('natter.token')");
    const sdk = createNatterClient({ url: server.url, token: bobsToken });
    const { rooms } = await sdk.trpc.rooms.list.query({ scope: "all", limit: 100 });
    const archive = rooms.find((room) => room.name === "archive");
    if (!archive) throw new Error("the archive room is gone");
    for (let n = 0; n < 8; n++) {
      await sdk.trpc.rooms.join.mutate({ roomId: archive.id });
      await sdk.trpc.rooms.leave.mutate({ roomId: archive.id });
    }
    await sdk.close();

    await page.reload();
    await page.getByRole("link", { name: "Admin" }).click();
    await page.getByRole("heading", { level: 1, name: "Administration" }).waitFor();

    // The figures agree: every message was sent today, some deleted since, and neither the
    // total nor the day's count includes those.
    const card = (label: string) =>
      page.locator(".stat-card").filter({ has: page.locator("dt", { hasText: new RegExp(`^${label}$`) }) });
    await card("Messages").waitFor();
    const stored = Number((await card("Messages").locator(".stat-value").textContent())?.replace(/\D/g, ""));
    const today = Number(
      /^(\d+) in the last 24 hours/.exec((await card("Messages").locator(".hint").textContent()) ?? "")?.[1],
    );
    expect(stored).toBeGreaterThan(0);
    expect(today).toBe(stored);
    // The upload storage and its ceiling.
    expect(await card("Images").locator(".hint").textContent()).toMatch(/ stored of at most 50\.0 MB \(\d+% full\)$/);

    // The chart: 24 bars, named and summarised for screen readers, and the same numbers as a table.
    const chart = page.getByRole("img", { name: /^Messages per hour, last 24 hours/ });
    await chart.waitFor();
    expect(await chart.locator("rect.chart-bar").count()).toBe(24);
    const summary = await chart.locator("desc").textContent();
    const sent = Number(/^(\d+) messages? in the last 24 hours/.exec(summary ?? "")?.[1]);
    expect(sent).toBeGreaterThanOrEqual(80);
    expect(sent).toBe(today);
    await screenshot(page, "10-admin-chart");
    await page.getByText("The numbers as a table").click();
    const rows = page.getByRole("table", { name: "Messages per hour, last 24 hours" }).locator("tbody tr");
    expect(await rows.count()).toBe(24);
    const counted = (await rows.locator("td:last-child").allTextContents()).reduce((sum, n) => sum + Number(n), 0);
    expect(counted).toBe(sent);

    // The activity log, newest first, a page at a time.
    const entries = page.getByRole("list", { name: "Activity entries" }).getByRole("listitem");
    await entries.first().waitFor();
    expect(await entries.count()).toBe(25);
    await page.getByRole("button", { name: "Show older entries" }).click();
    await expect.poll(() => entries.count()).toBeGreaterThan(25);
    const times = await entries
      .locator("time")
      .evaluateAll((items) => items.map((item) => (item as unknown as Attributed).getAttribute("datetime")));
    expect(times).toEqual([...times].sort().reverse());

    // Filtered by type: the room Alice created is there.
    await page.getByLabel("Type").selectOption({ label: "Room created" });
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => entries.filter({ hasNotText: "Room created" }).count()).toBe(0);
    const created = entries.filter({ hasText: roomName });
    await created.waitFor();
    expect(await created.textContent()).toContain("By alice");
    expect(await entries.filter({ hasNotText: "Room created" }).count()).toBe(0);
    await checkAccessibility(page, "admin");
    await screenshot(page, "10b-admin-activity");

    // Filtered by user: only what Bob did.
    await page.getByLabel("Type").selectOption({ label: "Any" });
    await page.getByLabel("User (who did it)").fill("bob");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.getByRole("list", { name: "Narrowed to" }).getByText("User bob").waitFor();
    await expect.poll(() => entries.filter({ hasNotText: "By bob" }).count()).toBe(0);
    await expect.poll(() => entries.count()).toBeGreaterThan(0);
    expect(await entries.filter({ hasNotText: "By bob" }).count()).toBe(0);
    await page.getByRole("button", { name: "Clear" }).click();

    // Narrowed to a room by its name in an entry; then to a time range with nothing in it.
    await entries
      .getByRole("button", { name: `${roomName} (show only this room)` })
      .first()
      .click();
    await page.getByRole("list", { name: "Narrowed to" }).getByText(`Room ${roomName}`).waitFor();
    await expect.poll(() => entries.filter({ hasNotText: `in ${roomName}` }).count()).toBe(0);
    await expect.poll(() => entries.count()).toBeGreaterThan(0);
    await page.getByLabel("From", { exact: true }).fill("2099-01-01T00:00");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.getByText("Nothing matches these filters.").waitFor();
    await page.getByRole("button", { name: "Clear" }).click();

    // Moderation: a ban and its lifting, then a room deleted from its entry.
    await page.getByLabel("Find a user").fill("carol");
    await page.getByRole("button", { name: "Find", exact: true }).click();
    const carolCard = page.getByRole("region", { name: "User carol" });
    await carolCard.getByRole("button", { name: "Ban…" }).click();
    await carolCard.getByRole("button", { name: "Ban carol" }).click();
    await carolCard.getByText("banned", { exact: true }).waitFor();
    await expect.poll(() => sdkLogIn("carol")).toBe("ACCOUNT_BANNED");
    await carolCard.getByRole("button", { name: "Lift the ban on carol" }).click();
    await carolCard.getByRole("button", { name: "Ban…" }).waitFor();

    await page.getByLabel("Type").selectOption({ label: "Room created" });
    await page.getByRole("button", { name: "Apply filters" }).click();
    await expect.poll(() => entries.filter({ hasNotText: "Room created" }).count()).toBe(0);
    await entries.filter({ hasText: "archive" }).getByRole("button", { name: "Delete room archive…" }).click();
    await page.getByRole("button", { name: "Delete archive for everyone" }).click();
    await entries.filter({ hasText: "a deleted room" }).waitFor();
    await page
      .getByRole("navigation", { name: "Rooms" })
      .getByRole("link", { name: "archive" })
      .waitFor({ state: "detached" });

    // Readable at 320 px wide too. Narrowing the window alone scrolls the chart to its newest hours.
    await page.setViewportSize({ width: 320, height: 640 });
    await chart.scrollIntoViewIfNeeded();
    await expect
      .poll(() => page.evaluate<number>(`document.querySelector(".chart-scroll").scrollLeft`))
      .toBeGreaterThan(0);
    expect(await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth")).toBeLessThanOrEqual(
      0,
    );
    // The chart scrolls to its newest hours, and its scale stays in view at the left edge, on top.
    const scale = await page.evaluate<{ scrolled: number; labels: boolean[] }>(`(() => {
      const scroller = document.querySelector(".chart-scroll");
      const frame = scroller.getBoundingClientRect();
      const labels = [...document.querySelectorAll(".chart-axis-label")].map((span) => {
        const box = span.getBoundingClientRect();
        const onTop = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
        return box.width > 0 && box.left >= frame.left && box.right <= frame.right && onTop === span;
      });
      return { scrolled: scroller.scrollLeft, labels };
    })()`);
    expect(scale.scrolled).toBeGreaterThan(0);
    expect(scale.labels.length).toBeGreaterThanOrEqual(2);
    const visible = scale.labels;
    expect(visible.every(Boolean)).toBe(true);
    await screenshot(page, "11-admin-narrow");
    await checkAccessibility(page, "admin-narrow");
  });

  it("logged nothing to the console and sent no request off the machine", () => {
    expect(alice.problems).toEqual({ consoleErrors: [], offMachineRequests: [] });
    expect(bob.problems).toEqual({ consoleErrors: [], offMachineRequests: [] });
  });
});
