import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { createRoom, liveGauge, rest, signUp, startTestServer } from "../harness/index.js";
import { browserAvailable, launchChromium, openContext, screenshot, seriousAxeFindings } from "./browser.js";

const METRICS_TOKEN = "web-inbox-metrics-token";
const WAIT = { timeout: 20_000, interval: 50 };

const nav = (page: Page) => page.getByRole("navigation", { name: "Rooms" });
const entry = (page: Page, name: string) => nav(page).getByRole("link", { name: new RegExp(`^${name}\\b`) });

interface TrpcMessage {
  id: number | string;
  method?: string;
  params?: { path?: string; input?: { roomId?: string } };
}

/**
 * The live subscriptions the page holds, as its WebSocket frames open and stop them: tRPC's
 * `subscription` and `subscription.stop` messages, by id.
 */
function subscriptionsOf(page: Page): () => string[] {
  const open = new Map<string, string>();
  page.on("websocket", (socket) => {
    socket.on("framesent", ({ payload }) => {
      // tRPC sends one message or an array of them; the socket also carries its keep-alive PING/PONG.
      const text = String(payload);
      if (!text.startsWith("{") && !text.startsWith("[")) return;
      for (const message of [JSON.parse(text)].flat() as TrpcMessage[]) {
        const key = `${socket.url()}#${message.id}`;
        if (message.method === "subscription" && message.params?.path) {
          const { path, input } = message.params;
          open.set(key, input?.roomId ? `${path} ${input.roomId}` : path);
        } else if (message.method === "subscription.stop") open.delete(key);
      }
    });
    socket.on("close", () => {
      for (const key of [...open.keys()]) if (key.startsWith(`${socket.url()}#`)) open.delete(key);
    });
  });
  return () => [...open.values()].sort();
}

describe.runIf(browserAvailable())("the web app's room list from one inbox stream", { timeout: 120_000 }, () => {
  it("lists rooms by latest activity, raises badges and mentions live, lists rooms gained, renamed and lost, with one inbox stream and the open room's", async () => {
    const server = await startTestServer({ config: { metricsToken: METRICS_TOKEN } });
    const browser = await launchChromium();
    try {
      const gauge = (name: "natter_ws_subscriptions" | "natter_ws_connections") =>
        liveGauge(server.url, METRICS_TOKEN, name);
      const alice = await signUp(server.url, "alice");
      const bob = await signUp(server.url, "bob");
      const say = async (roomId: string, body: string) =>
        expect(
          (await rest(server.url, "POST", `/rooms/${roomId}/messages`, { token: bob.token, body: { body } })).status,
        ).toBe(201);
      const early = await createRoom(server.url, bob.token, { name: "early", memberIds: [alice.id] });
      const other = await createRoom(server.url, bob.token, { name: "other", memberIds: [alice.id] });
      const lobby = await createRoom(server.url, bob.token, { name: "lobby", memberIds: [alice.id] });
      const later = await createRoom(server.url, bob.token, { name: "later" });
      // The oldest room has the newest message: the list starts with it.
      await say(early.id, "the latest activity");

      const { context, page, problems } = await openContext(browser);
      const subscriptions = subscriptionsOf(page);
      await context.addInitScript(`localStorage.setItem("natter.token", ${JSON.stringify(alice.token)})`);
      await page.goto(server.url);
      await entry(page, "lobby").click();
      await page.getByRole("heading", { level: 1, name: "lobby" }).waitFor();
      // The page's one socket holds the inbox stream and the open room's events and signals: nothing per room listed.
      const onlyInboxAnd = (roomId: string) => [`rooms.events ${roomId}`, `rooms.signals ${roomId}`, "users.events"];
      await expect.poll(subscriptions, WAIT).toEqual(onlyInboxAnd(lobby.id));
      await expect.poll(() => gauge("natter_ws_subscriptions"), WAIT).toBe(3);
      expect(await gauge("natter_ws_connections")).toBe(1);
      const listed = () => nav(page).getByRole("list", { name: "Your rooms" }).getByRole("link").allTextContents();
      // By latest activity: the newest message's room, then the rooms without messages, newest first.
      expect((await listed())[0]).toMatch(/^early/);
      expect((await listed()).slice(1)).toEqual(["lobby", "other"]);

      // A message in a room not open raises its badge and brings it to the top; a mention raises the mention badge.
      await say(other.id, "anyone here?");
      await expect.poll(() => entry(page, "other").getByTestId("unread").textContent(), WAIT).toBe("1 unread");
      expect((await listed())[0]).toMatch(/^other/);
      expect(await entry(page, "other").getByTestId("mentions").count()).toBe(0);
      await say(other.id, "@alice have a look");
      await expect.poll(() => entry(page, "other").getByTestId("mentions").textContent(), WAIT).toBe("@1 mention");
      expect(await entry(page, "other").getByTestId("unread").textContent()).toBe("2 unread");
      // The open room's messages are read as they come.
      await say(lobby.id, "in the open room");
      await page.locator(".message .body", { hasText: "in the open room" }).waitFor();
      expect(await entry(page, "lobby").getByTestId("unread").count()).toBe(0);
      await screenshot(page, "inbox-01-badges");
      expect(await seriousAxeFindings(page)).toEqual([]);

      // Added to a room, it appears; kicked from one, it goes, and the person is told.
      const added = await rest(server.url, "PUT", `/rooms/${later.id}/members/${alice.id}`, { token: bob.token });
      expect(added.status).toBeLessThan(300);
      await entry(page, "later").waitFor();
      const kicked = await rest(server.url, "DELETE", `/rooms/${other.id}/members/${alice.id}`, { token: bob.token });
      expect(kicked.status).toBe(200);
      await page.getByText("You were removed from other.").waitFor();
      await expect.poll(() => entry(page, "other").count(), WAIT).toBe(0);
      expect(subscriptions()).toEqual(onlyInboxAnd(lobby.id));

      // Opening another room moves the one room watch there: the room left is counted from the inbox again.
      await entry(page, "later").click();
      await page.getByRole("heading", { level: 1, name: "later" }).waitFor();
      await expect.poll(subscriptions, WAIT).toEqual(onlyInboxAnd(later.id));
      await say(lobby.id, "while you were away");
      await expect.poll(() => entry(page, "lobby").getByTestId("unread").textContent(), WAIT).toBe("1 unread");
      // Back in it, the history goes on from the last event it showed.
      await entry(page, "lobby").click();
      await page.locator(".message .body", { hasText: "while you were away" }).waitFor();
      await expect.poll(() => entry(page, "lobby").getByTestId("unread").count(), WAIT).toBe(0);
      await expect.poll(subscriptions, WAIT).toEqual(onlyInboxAnd(lobby.id));
      await expect.poll(() => gauge("natter_ws_subscriptions"), { ...WAIT, message: "subscriptions" }).toBe(3);

      // A room not on screen renamed by someone else takes its new name from the inbox.
      const renamed = await rest(server.url, "PATCH", `/rooms/${later.id}`, {
        token: bob.token,
        body: { name: "afterwards" },
      });
      expect(renamed.status).toBe(200);
      await entry(page, "afterwards").waitFor();
      expect(await entry(page, "later").count()).toBe(0);
      expect(subscriptions()).toEqual(onlyInboxAnd(lobby.id));
      expect(problems).toEqual({ consoleErrors: [], offMachineRequests: [] });
    } finally {
      await browser.close();
      await server.stop();
    }
  });
});
