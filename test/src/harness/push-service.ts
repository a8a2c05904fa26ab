import { createECDH, createPublicKey, type ECDH, randomBytes, verify } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { decrypt } from "http_ece";

/**
 * How the push service answers the next requests to one subscription. `hang`: the request is
 * read, decrypted and recorded (`answered: "hung"`), and its answer held back until the next
 * `answer` for that subscription, which answers it (its connection may be gone by then, as
 * when the sending node was killed).
 */
export type PushServiceAnswer =
  | { status: 201 | 410 | 404 | 500 | "hang" }
  | { status: 429 | 503; retryAfterSeconds: number };

/** A push as the service got it: decrypted with the subscription's private key, VAPID token checked. */
export interface ReceivedPush {
  subscription: string;
  /** The decrypted payload, parsed. */
  notification: {
    type: string;
    title: string;
    body: string;
    roomId: string;
    messageId: string;
    url: string;
  };
  /** Whether the VAPID token verified with the `k` key, for this service's origin, unexpired. */
  vapidValid: boolean;
  /** The token's `k`: the server's VAPID public key. */
  vapidKey: string;
  subject: string;
  topic: string | undefined;
  ttl: string | undefined;
  contentEncoding: string | undefined;
  /** The status it was answered, or `hung` while (or if) its answer was held back. */
  answered: number | "hung";
}

/** A subscription a browser would make: its endpoint on this service, and its keys. */
export interface FakeBrowserSubscription {
  name: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
  ecdh: ECDH;
  auth: Buffer;
}

/**
 * A Web Push service on loopback, for tests: each subscription's endpoint is a path of it.
 * Every request is decrypted with that subscription's private key (`http_ece`, aes128gcm) and
 * its VAPID token (ES256 JWT) verified against the key it names; answers 201 by default, or
 * what the test asks for, per subscription.
 */
export interface PushService {
  origin: string;
  received: ReceivedPush[];
  /** Pushes that failed to decrypt or verify, as messages (a test expects none). */
  errors: string[];
  /** Makes a subscription, as a browser's `PushManager.subscribe` would. */
  subscription(name: string): FakeBrowserSubscription;
  /** Answers the next requests to `name` so (201 after `times` of them; for ever without). */
  answer(name: string, answer: PushServiceAnswer, times?: number): void;
  /** The pushes of one subscription. */
  to(name: string): ReceivedPush[];
  close(): Promise<void>;
}

export async function startPushService(): Promise<PushService> {
  const subscriptions = new Map<string, FakeBrowserSubscription>();
  const answers = new Map<string, { answer: PushServiceAnswer; times: number }>();
  const received: ReceivedPush[] = [];
  const errors: string[] = [];
  /** Held-back answers, per subscription: answered by the next `answer` for it. */
  const hanging = new Map<string, ServerResponse[]>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("error", () => res.destroy());
    req.on("end", () => {
      const name = decodeURIComponent((req.url ?? "").replace(/^\/push\//, ""));
      const subscription = subscriptions.get(name);
      if (!subscription || req.method !== "POST") {
        res.writeHead(404).end();
        return;
      }
      const planned = answers.get(name);
      let status: number | "hang" = 201;
      const headers: Record<string, string> = {};
      if (planned && planned.times > 0) {
        planned.times -= 1;
        status = planned.answer.status;
        if ("retryAfterSeconds" in planned.answer) headers["retry-after"] = String(planned.answer.retryAfterSeconds);
      }
      try {
        const body = Buffer.concat(chunks);
        const plain = decrypt(body, {
          version: "aes128gcm",
          privateKey: subscription.ecdh,
          authSecret: subscription.auth,
        });
        const vapid = checkVapid(String(req.headers.authorization ?? ""), origin);
        received.push({
          subscription: name,
          notification: JSON.parse(plain.toString("utf8")),
          ...vapid,
          topic: req.headers.topic as string | undefined,
          ttl: req.headers.ttl as string | undefined,
          contentEncoding: req.headers["content-encoding"],
          answered: status === "hang" ? "hung" : status,
        });
      } catch (error) {
        errors.push(String(error));
        status = 400;
      }
      if (status === "hang") hanging.set(name, [...(hanging.get(name) ?? []), res]);
      else res.writeHead(status, headers).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    received,
    errors,
    subscription(name) {
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const made = {
        name,
        endpoint: `${origin}/push/${encodeURIComponent(name)}`,
        keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: auth.toString("base64url") },
        ecdh,
        auth,
      };
      subscriptions.set(name, made);
      return made;
    },
    answer(name, answer, times = Number.POSITIVE_INFINITY) {
      answers.set(name, { answer, times });
      if (answer.status === "hang") return;
      const held = hanging.get(name) ?? [];
      hanging.delete(name);
      for (const res of held) if (!res.destroyed) res.writeHead(answer.status).end();
    },
    to(name) {
      return received.filter((push) => push.subscription === name);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Checks `Authorization: vapid t=<JWT>, k=<key>` (RFC 8292): ES256 signature, audience, expiry. */
function checkVapid(header: string, audience: string): { vapidValid: boolean; vapidKey: string; subject: string } {
  const t = /t=([^,\s]+)/.exec(header)?.[1] ?? "";
  const k = /k=([^,\s]+)/.exec(header)?.[1] ?? "";
  const [head = "", claims = "", signature = ""] = t.split(".");
  const point = Buffer.from(k, "base64url");
  const key = createPublicKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 33).toString("base64url"),
      y: point.subarray(33, 65).toString("base64url"),
    },
    format: "jwk",
  });
  const signed = verify(
    "sha256",
    Buffer.from(`${head}.${claims}`),
    { key, dsaEncoding: "ieee-p1363" },
    Buffer.from(signature, "base64url"),
  );
  const header_ = JSON.parse(Buffer.from(head, "base64url").toString("utf8")) as { alg?: string };
  const body = JSON.parse(Buffer.from(claims, "base64url").toString("utf8")) as {
    aud?: string;
    exp?: number;
    sub?: string;
  };
  const vapidValid = signed && header_.alg === "ES256" && body.aud === audience && (body.exp ?? 0) * 1000 > Date.now();
  return { vapidValid, vapidKey: k, subject: body.sub ?? "" };
}
