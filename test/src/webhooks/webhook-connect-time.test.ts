import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createTestDatabase,
  grantServerAdmin,
  rest,
  signUp,
  startTestServer,
  startWebhookReceiver,
  type TestDatabase,
  type TestServer,
  type TestUser,
  type WebhookReceiver,
} from "../harness/index.js";

/** Every delivery of an endpoint, newest first. */
async function deliveriesOf(server: TestServer, token: string, webhookId: string) {
  const res = await rest(server.url, "GET", `/admin/webhooks/${webhookId}/deliveries`, { token });
  expect(res.status).toBe(200);
  return res.body.deliveries as {
    type: string;
    status: string;
    lastAttempt: { statusCode: number | null; error: string | null } | null;
  }[];
}

/**
 * The connect-time check, with private networks refused (the production default). An
 * endpoint is registered while loopback is allowed, standing in for a name that resolved to
 * a public address at registration and resolves to loopback when natter connects (DNS
 * rebinding); the same database is then served with the switch off, and every delivery to it
 * must be refused before a byte reaches the receiver.
 */
describe("webhook connections re-check the address they connect to", () => {
  let dir: string;
  let database: TestDatabase;
  let admin: TestUser;
  let receiver: WebhookReceiver;
  /** The endpoints registered while loopback was allowed, by the URL's host. */
  const endpoints = new Map<string, string>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "natter-webhook-connect-"));
    database = await createTestDatabase(dir);
    receiver = await startWebhookReceiver();
    const port = new URL(receiver.url).port;
    const registrar = await startTestServer({ dir, database, config: { webhookAllowPrivateNetworks: true } });
    try {
      admin = await signUp(registrar.url, "rebinder");
      await grantServerAdmin(registrar.databaseUrl, admin.username);
      for (const host of ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "[::1]"]) {
        const res = await rest(registrar.url, "POST", "/admin/webhooks", {
          token: admin.token,
          body: { url: `http://${host}:${port}/hook`, events: ["message.created"] },
        });
        expect(res.status).toBe(201);
        endpoints.set(host, res.body.webhook.id);
        receiver.secrets.push(res.body.secret);
      }
    } finally {
      await registrar.stop();
    }
  });
  afterAll(async () => {
    await receiver?.close();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses loopback at connect time, by literal address and by a name resolved then", async () => {
    const server = await startTestServer({
      dir,
      database,
      config: { webhookAllowPrivateNetworks: false, webhookPollIntervalMs: 50 },
    });
    try {
      const room = await rest(server.url, "POST", "/rooms", { token: admin.token, body: { name: "rebind" } });
      expect(room.status).toBe(201);
      const sent = await rest(server.url, "POST", `/rooms/${room.body.room.id}/messages`, {
        token: admin.token,
        body: { body: "to nobody on loopback" },
      });
      expect(sent.status).toBe(201);
      // The positive signal: each endpoint's first attempt is recorded, and says why it failed.
      for (const [host, webhookId] of endpoints) {
        await vi.waitFor(
          async () => {
            const [delivery] = await deliveriesOf(server, admin.token, webhookId);
            expect(delivery?.lastAttempt, host).not.toBeNull();
            expect(delivery?.status).toBe("pending");
            expect(delivery?.lastAttempt?.statusCode).toBeNull();
            expect(delivery?.lastAttempt?.error).toMatch(
              host === "localhost"
                ? /ERR_WEBHOOK_ADDRESS_REFUSED: localhost resolves only to refused addresses/
                : /^refused address /,
            );
          },
          { timeout: 15_000, interval: 50 },
        );
      }
      expect(receiver.received).toEqual([]);
    } finally {
      await server.stop();
    }
  });

  it("does not follow a redirect (to loopback or anywhere): the 302 is the answer, retried later", async () => {
    const elsewhere = await startWebhookReceiver();
    const server = await startTestServer({
      dir,
      database,
      config: { webhookAllowPrivateNetworks: true, webhookPollIntervalMs: 50 },
    });
    try {
      // Only the redirecting receiver's endpoint stays: the others would hear this test's events.
      for (const webhookId of endpoints.values()) {
        await rest(server.url, "DELETE", `/admin/webhooks/${webhookId}`, { token: admin.token });
      }
      receiver.received.length = 0;
      receiver.respondWith({ status: "redirect", location: elsewhere.url });
      const made = await rest(server.url, "POST", "/admin/webhooks", {
        token: admin.token,
        body: { url: receiver.url, events: ["message.created"] },
      });
      expect(made.status).toBe(201);
      const test = await rest(server.url, "POST", `/admin/webhooks/${made.body.webhook.id}/test`, {
        token: admin.token,
      });
      expect(test.status).toBe(200);
      await vi.waitFor(
        async () => {
          const [delivery] = await deliveriesOf(server, admin.token, made.body.webhook.id);
          expect(delivery).toMatchObject({ type: "webhook.test", status: "pending", lastAttempt: { statusCode: 302 } });
        },
        { timeout: 15_000, interval: 50 },
      );
      expect(receiver.received.map((request) => request.answered)).toEqual(["redirect"]);
      expect(elsewhere.received).toEqual([]);
    } finally {
      await server.stop();
      await elsewhere.close();
    }
  });
});
