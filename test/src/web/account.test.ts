import { readFile } from "node:fs/promises";
import { dataExportSchema } from "@natter/shared";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRoom, rest, signUp, startTestServer, type TestServer } from "../harness/index.js";
import { send } from "../messages/room-fixtures.js";
import { axeViolations, browserAvailable, launchChromium, screenshot, signedInPage } from "./browser.js";

/** The account screen: a person downloads their data as a file, and deletes their account. */
describe.runIf(browserAvailable())("the account screen in the web app", { timeout: 120_000 }, () => {
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

  it("downloads my data as a JSON file, then deletes my account after asking for the password", async () => {
    const user = await signUp(server.url, "quinn");
    const roomId = (await createRoom(server.url, user.token, { name: "notes" })).id;
    await send(server.url, user, roomId, "remember the milk");
    const page = await signedInPage(browser, server.url, user.token);
    await page.getByRole("link", { name: "Account" }).click();
    await page.getByRole("heading", { name: "Your account" }).waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, "account-01-your-data");

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download my data" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("natter-quinn.json");
    const data = dataExportSchema.parse(JSON.parse(await readFile(await download.path(), "utf8")));
    expect(data.profile.username).toBe("quinn");
    expect(data.messages.map((message) => message.body)).toEqual(["remember the milk"]);
    // One an hour: the second is refused in words, not silently.
    await page.getByRole("button", { name: "Download my data" }).click();
    await page.locator(".error", { hasText: /export/i }).waitFor();

    await page.getByLabel("Your password").fill("not my password");
    await page.getByRole("button", { name: "Delete my account" }).click();
    await page.locator(".error", { hasText: /password/i }).waitFor();
    expect((await rest(server.url, "GET", "/me", { token: user.token })).status).toBe(200);

    await page.getByLabel("Your password").fill(user.password);
    await page.getByRole("button", { name: "Delete my account" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect((await rest(server.url, "GET", "/me", { token: user.token })).status).toBe(401);
    // The page signs out as soon as the session ends, before the server has finished with the
    // person's rooms: the room they were alone in goes once it has.
    await expect
      .poll(async () => (await rest(server.url, "GET", `/rooms/${roomId}/messages?limit=10`)).body.error?.code)
      .toBe("ROOM_NOT_FOUND");
  });
});
