import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { rest, signUp } from "./rest.js";
import { grantServerAdmin } from "./server-admins.js";

/** How the receiver answers the next requests: set by the test, changed at any time. */
export type ReceiverMode =
  | { status: 200 | 500 | 410 }
  | { status: 429; retryAfterSeconds: number }
  | { status: "hang" }
  | { status: "redirect"; location: string };

/** One request as the receiver got it, verified with the `standardwebhooks` library. */
export interface ReceivedWebhook {
  id: string;
  timestamp: number;
  signature: string;
  body: string;
  type: string;
  data: any;
  /** Which of the receiver's secrets verified it (indexes into `secrets`); empty when none did. */
  verifiedBy: number[];
  /** What the receiver answered. */
  answered: number | "hang" | "redirect";
  receivedAt: number;
}

/**
 * A webhook receiver on loopback, for tests: verifies every request with the Standard
 * Webhooks library against the secrets it is given, and answers 200, 500, 429 with
 * Retry-After, 410, a redirect, or nothing at all, on command.
 */
export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** The secrets requests are verified with (set them once the endpoint is registered). */
  secrets: string[];
  respondWith(mode: ReceiverMode): void;
  /** The requests of one type, by `webhook-id` first seen (duplicates removed, as a receiver would). */
  unique(type?: string): ReceivedWebhook[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  let mode: ReceiverMode = { status: 200 };
  const received: ReceivedWebhook[] = [];
  const secrets: string[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("error", () => res.destroy());
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = {
        "webhook-id": String(req.headers["webhook-id"] ?? ""),
        "webhook-timestamp": String(req.headers["webhook-timestamp"] ?? ""),
        "webhook-signature": String(req.headers["webhook-signature"] ?? ""),
      };
      const verifiedBy = secrets.flatMap((secret, index) => {
        try {
          new Webhook(secret).verify(body, headers);
          return [index];
        } catch {
          return [];
        }
      });
      let parsed: { type?: string; data?: unknown } = {};
      try {
        parsed = JSON.parse(body);
      } catch {}
      const current = mode;
      received.push({
        id: headers["webhook-id"],
        timestamp: Number(headers["webhook-timestamp"]),
        signature: headers["webhook-signature"],
        body,
        type: String(parsed.type),
        data: parsed.data,
        verifiedBy,
        answered: typeof current.status === "number" ? current.status : current.status,
        receivedAt: Date.now(),
      });
      if (current.status === "hang") {
        hanging.add(res);
        res.on("close", () => hanging.delete(res));
        return;
      }
      if (current.status === "redirect") {
        res.writeHead(302, { location: current.location }).end();
        return;
      }
      const extra = current.status === 429 ? { "retry-after": String(current.retryAfterSeconds) } : {};
      res.writeHead(current.status, { "content-type": "text/plain", ...extra }).end(`answered ${current.status}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    secrets,
    respondWith(next) {
      mode = next;
    },
    unique(type) {
      const seen = new Map<string, ReceivedWebhook>();
      for (const request of received) {
        if ((type === undefined || request.type === type) && !seen.has(request.id)) seen.set(request.id, request);
      }
      return [...seen.values()];
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A new server admin of the server at `url` (on `databaseUrl`), and the `message.created` webhook they registered there for `receiver`. */
export async function registerWebhook(server: { url: string; databaseUrl: string }, receiver: WebhookReceiver) {
  const admin = await signUp(server.url);
  await grantServerAdmin(server.databaseUrl, admin.username);
  const made = await rest(server.url, "POST", "/admin/webhooks", {
    token: admin.token,
    body: { url: receiver.url, events: ["message.created"] },
  });
  receiver.secrets.push(made.body.secret);
  return { admin, webhookId: made.body.webhook.id as string };
}
