import { createNatterClient } from "@natter/client";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantServerAdmin, signUp, startTestServer, type TestServer, type TestUser } from "../harness/index.js";
import { axeViolations, browserAvailable, launchChromium, screenshot, signedInPage } from "./browser.js";

/*
 * Reports in the web app: a member reports a message from the message's actions; the room's
 * owner finds it under Reports in the room settings, without who reported, and deletes the
 * message from there; a server admin finds reports on the admin page with the reporter.
 */
describe.runIf(browserAvailable())("reports in the web app", { timeout: 120_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let owner: TestUser;
  let member: TestUser;
  let author: TestUser;
  let admin: TestUser;
  let roomId: string;
  let ownerPage: Page;

  beforeAll(async () => {
    server = await startTestServer();
    owner = await signUp(server.url, "rhea");
    member = await signUp(server.url, "milo");
    author = await signUp(server.url, "spammy");
    admin = await signUp(server.url, "ada");
    await grantServerAdmin(server.databaseUrl, admin.username);
    const sdk = createNatterClient({ url: server.url, token: owner.token });
    roomId = (await sdk.trpc.rooms.create.mutate({ name: "plaza", memberIds: [member.id, author.id] })).room.id;
    await sdk.close();
    const authors = createNatterClient({ url: server.url, token: author.token });
    await authors.trpc.messages.send.mutate({ roomId, body: "cheap watches here" });
    await authors.trpc.messages.send.mutate({ roomId, body: "and more cheap watches" });
    await authors.close();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("reports a message from its actions, once", async () => {
    const page = await signedInPage(browser, server.url, member.token);
    await page.getByRole("link", { name: "plaza" }).click();
    const message = page.locator(".message", { hasText: "cheap watches here" }).first();
    await message.getByRole("button", { name: "Report message" }).click();
    await message.getByLabel("Why report it?").selectOption("spam");
    await message.getByLabel("Note for the moderators (optional)").fill("selling things");
    await message.getByRole("button", { name: "Send report" }).click();
    await message.getByText("Reported to the room's moderators.").waitFor();
    const findings = await axeViolations(page);
    expect(findings.filter((finding) => finding.impact === "serious" || finding.impact === "critical")).toEqual([]);
    await screenshot(page, "reports-01-reported");
    // Another message of the same author, reported too, for the admin page.
    const second = page.locator(".message", { hasText: "and more cheap watches" });
    await second.getByRole("button", { name: "Report message" }).click();
    await second.getByRole("button", { name: "Send report" }).click();
    await second.getByText("Reported to the room's moderators.").waitFor();
    await page.context().close();
  });

  it("lists the room's reports in the room settings without the reporter; deleting resolves it", async () => {
    ownerPage = await signedInPage(browser, server.url, owner.token);
    await ownerPage.getByRole("link", { name: "plaza" }).click();
    await ownerPage.getByRole("button", { name: /^Members/ }).click();
    const reports = ownerPage.getByRole("region", { name: "Reports" });
    const item = reports.locator(".report", { hasText: "cheap watches here" });
    await item.getByText("Note: selling things").waitFor();
    expect(await reports.textContent()).not.toContain("milo");
    const findings = await axeViolations(ownerPage);
    expect(findings.filter((finding) => finding.impact === "serious" || finding.impact === "critical")).toEqual([]);
    await screenshot(ownerPage, "reports-02-room-settings");
    await item.getByRole("button", { name: "Delete the message" }).click();
    await item.waitFor({ state: "detached" });
    await ownerPage.locator(".message", { hasText: "This message was deleted." }).first().waitFor();
    const sdk = createNatterClient({ url: server.url, token: owner.token });
    const resolved = await sdk.trpc.reports.forRoom.query({ roomId, status: "resolved" });
    expect(resolved.reports.map((report) => report.action)).toEqual(["delete-message"]);
    await sdk.close();
  });

  it("shows every room's reports on the admin page, with who reported; dismissing resolves", async () => {
    const page = await signedInPage(browser, server.url, admin.token);
    await page.goto(`${server.url}/admin`);
    const reports = page.getByRole("region", { name: "Reported messages" });
    const item = reports.locator(".report", { hasText: "and more cheap watches" });
    await item.getByText("reported by milo").waitFor();
    await screenshot(page, "reports-03-admin");
    await item.getByRole("button", { name: "Dismiss" }).click();
    await reports.getByText("No open reports.").waitFor();
    await reports.getByLabel("Which reports").selectOption("resolved");
    await reports.locator(".report", { hasText: "and more cheap watches" }).getByText("Resolved: Dismiss").waitFor();
  });
});
