import { createNatterClient } from "@natter/client";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantServerAdmin, signUp, startTestServer, type TestServer } from "../harness/index.js";
import { axeViolations, browserAvailable, launchChromium, screenshot, signedInPage } from "./browser.js";

/* The admin page's blocked terms: saved from the page, then applied to what people send. */
describe.runIf(browserAvailable())("blocked terms on the admin page", { timeout: 120_000 }, () => {
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

  it("saves refused and masked terms; a send then meets them", async () => {
    const admin = await signUp(server.url, "wanda");
    await grantServerAdmin(server.databaseUrl, admin.username);
    const page = await signedInPage(browser, server.url, admin.token);
    await page.goto(`${server.url}/admin`);
    await page.getByLabel("Refused (one per line)").fill("spam\n\nscam ");
    await page.getByLabel("Shown as *** (one per line)").fill("darn");
    await page.getByRole("button", { name: "Save the blocked terms" }).click();
    await page.getByText("Saved: 3 terms.").waitFor();
    const findings = await axeViolations(page);
    expect(findings.filter((finding) => finding.impact === "serious" || finding.impact === "critical")).toEqual([]);
    await screenshot(page, "blocked-terms-01-admin");

    const sdk = createNatterClient({ url: server.url, token: admin.token });
    const { room } = await sdk.trpc.rooms.create.mutate({ name: "filtered" });
    await expect(sdk.trpc.messages.send.mutate({ roomId: room.id, body: "a SCAM" })).rejects.toMatchObject({
      data: { error: { code: "BLOCKED_TERM" } },
    });
    const sent = await sdk.trpc.messages.send.mutate({ roomId: room.id, body: "darn it" });
    expect(sent.message.body).toBe("*** it");
    // The list reads back as saved after a reload.
    await page.reload();
    await expect.poll(() => page.getByLabel("Refused (one per line)").inputValue()).toBe("spam\nscam");
    await sdk.close();
  });
});
