import { createECDH, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRoom,
  type DocumentedField,
  type DocumentedOperation,
  documentedOperations,
  isDocumented,
  rawHttp,
  rest,
  seededRandom,
  signUp,
  startTestServer,
  type TestServer,
} from "../harness/index.js";

/*
 * The fuzz suite: every operation `/openapi.json` lists, called with malformed input of every
 * kind (wrong types, missing and extra fields, 1 MB strings, NUL and bidi characters, huge
 * numbers, bad and others' ids, dot segments, prototype keys, deep JSON, wrong content types,
 * ended and others' tokens). Every answer must be below 500, free of stack traces and internal
 * paths, and a status and code documented for that operation.
 *
 * Seeded and replayable: NATTER_FUZZ_SEED=<n> replays a run, NATTER_FUZZ_ITERATIONS=<n> sets
 * the calls per operation (200 by default, a few seconds; raise it for a longer run).
 */
const SEED = Number(process.env.NATTER_FUZZ_SEED ?? 20_261_202);
const ITERATIONS = Number(process.env.NATTER_FUZZ_ITERATIONS ?? 200);
const IN_FLIGHT = 16;
const BODY_METHODS = ["POST", "PUT", "PATCH"];

const MEGABYTE = "x".repeat(1024 * 1024);
/** Strings of every awkward kind. */
const ODD_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u202Eevil",
  "\u200F\u202D",
  "x".repeat(5000),
  "9".repeat(40),
  "__proto__",
  "constructor",
  "null",
  "-1",
  "1e309",
  "0x10",
  "../..",
  "%00",
  "😀".repeat(100),
  "\uD800",
];
/** NUL where a driver may meet it: alone, inside, and at the end of a plausible value. */
const NUL_STRINGS = ["\u0000", "a\u0000b", "fuzz_nul\u0000"];
/** JSON values of every type and size. */
const ODD_VALUES: unknown[] = [
  ...ODD_STRINGS,
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 64,
  Number.MAX_SAFE_INTEGER + 2,
  [],
  ["a"],
  {},
  { nested: { deep: [1] } },
  { __proto__: { admin: true } },
];
/** Path segments that are no id, or someone else's. */
const ODD_SEGMENTS = [
  "x".repeat(65),
  "x".repeat(3000),
  "%00",
  "%E2%80%AE",
  "..",
  "%2e%2e",
  ".",
  "%2E",
  "%2F",
  "null",
  "-1",
  "9".repeat(40),
  "__proto__",
  "constructor",
  "%E0%A4%A",
  "%C3%A9",
  "%20",
  "a%5Cb",
];
const PROTOTYPE_KEYS = ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "prototype"];
const RAW_BODIES = [
  "null",
  "[]",
  "1",
  '"s"',
  "{",
  '{"a":1,}',
  "{}",
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  "\u0000",
  `${"[".repeat(5000)}${"]".repeat(5000)}`,
  `{"a":${"{".repeat(40)}${"}".repeat(40)}}`,
  JSON.stringify({ a: MEGABYTE }),
];
const CONTENT_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/json; charset=latin1",
  "application/jsonx",
  "",
];

/** What a fuzzed request is built from: the operation called well, then broken in one or two ways. */
interface FuzzRequest {
  path: string;
  query: string[];
  body: Record<string, unknown> | undefined;
  rawBody?: string;
  contentType: string | undefined;
  authorization: string | undefined;
}

interface Fixture {
  values: Record<string, string>;
  token: string;
  otherToken: string;
  endedToken: string;
  otherIds: Record<string, string>;
}

describe("fuzzing every REST operation of /openapi.json", () => {
  let server: TestServer;
  let operations: DocumentedOperation[];
  let requests = 0;
  let serverErrors = 0;
  const problems: string[] = [];
  /** The status and error code of the last answer `problemWith` read. */
  let lastAnswer = "";

  beforeAll(async () => {
    // 200 calls per operation from one address: far above a person's rate of sign-ups,
    // log-ins, rooms and sends. The rates are tested in write-rate-limits.test.ts.
    // Its room webhook points at a loopback port nothing listens on: tests send nothing off this machine.
    // So does its push subscription.
    server = await startTestServer({
      config: { rateLimits: "off", webhookAllowPrivateNetworks: true, pushAllowPrivateNetworks: true },
    });
    operations = documentedOperations(await (await fetch(`${server.url}/openapi.json`)).json());
  });
  afterAll(async () => {
    console.log(
      `fuzz: ${requests} requests over ${operations.length} operations (seed ${SEED}, ${ITERATIONS} each), ` +
        `${serverErrors} answers >= 500, ${problems.length} problems (undocumented or leaking)`,
    );
    await server.stop();
  });

  /** A user who owns a room with a message, another user who owns a closed one, an ended token. */
  async function makeFixture(): Promise<Fixture> {
    const [owner, other, ended] = await Promise.all([signUp(server.url), signUp(server.url), signUp(server.url)]);
    const room = await createRoom(server.url, owner.token);
    const closed = await createRoom(server.url, other.token, { open: false });
    const sent = await rest(server.url, "POST", `/rooms/${room.id}/messages`, {
      token: owner.token,
      body: { body: "hello" },
    });
    const sessions = await rest(server.url, "GET", "/me/sessions", { token: owner.token });
    const webhook = await rest(server.url, "POST", `/rooms/${room.id}/webhooks`, {
      token: owner.token,
      body: { url: "http://127.0.0.1:9/natter-fuzz", events: ["message.created"] },
    });
    const webhookId = webhook.body.webhook?.id ?? "w";
    // A delivery of the room's webhook, for `…/deliveries/{deliveryId}/redeliver`.
    const tested = await rest(server.url, "POST", `/rooms/${room.id}/webhooks/${webhookId}/test`, {
      token: owner.token,
    });
    const report = await rest(server.url, "POST", `/rooms/${room.id}/messages/${sent.body.message?.id}/reports`, {
      token: other.token,
      body: { reason: "spam" },
    });
    const ecdh = createECDH("prime256v1");
    ecdh.generateKeys();
    const pushSubscription = await rest(server.url, "POST", "/me/push-subscriptions", {
      token: owner.token,
      body: {
        endpoint: "http://127.0.0.1:9/natter-fuzz-push",
        keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: randomBytes(16).toString("base64url") },
      },
    });
    await rest(server.url, "DELETE", "/sessions/current", { token: ended.token });
    return {
      values: {
        roomId: room.id,
        userId: other.id,
        messageId: sent.body.message?.id ?? room.id,
        sessionId: sessions.body?.sessions?.[0]?.id ?? "s",
        webhookId,
        deliveryId: tested.body.delivery?.id ?? "d",
        reportId: report.body.report?.id ?? "r",
        // The bots' paths (`/admin/bots/{userId}/keys/{keyId}`): the fixture's users are no admins.
        keyId: "k",
        emoji: encodeURIComponent("👍"),
        // `/me/push-subscriptions/{id}`.
        id: pushSubscription.body.subscription?.id ?? "p",
      },
      token: owner.token,
      otherToken: other.token,
      endedToken: ended.token,
      otherIds: {
        roomId: closed.id,
        userId: owner.id,
        messageId: room.id,
        sessionId: "s",
        webhookId: room.id,
        deliveryId: room.id,
        reportId: room.id,
        keyId: room.id,
        emoji: ":other:",
        id: room.id,
      },
    };
  }

  function wellFormed(op: DocumentedOperation, fixture: Fixture): FuzzRequest {
    const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => fixture.values[name] ?? "x");
    const body: Record<string, unknown> | undefined = op.bodyFields ? {} : undefined;
    for (const field of op.bodyFields ?? []) if (field.required && body) body[field.name] = sampleValue(field);
    const hasBody = BODY_METHODS.includes(op.method);
    return {
      path,
      query: [],
      body: hasBody ? body : undefined,
      contentType: hasBody && body ? "application/json" : undefined,
      authorization: `Bearer ${fixture.token}`,
    };
  }

  /** Breaks a well-formed request in one way, picked by `random`. */
  function mutate(op: DocumentedOperation, request: FuzzRequest, fixture: Fixture, random: () => number): void {
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const field = (fields: DocumentedField[] | undefined) => (fields?.length ? pick(fields) : undefined);
    const hasBody = BODY_METHODS.includes(op.method);
    let kind = Math.floor(random() * 9);
    if (kind === 0 && op.pathParams.length === 0) kind = 1;
    if (!hasBody && kind >= 3 && kind <= 6) kind = 7;
    switch (kind) {
      case 0: {
        const param = pick(op.pathParams);
        const segment = random() < 0.2 ? (fixture.otherIds[param.name] ?? "x") : pick(ODD_SEGMENTS);
        request.path = op.path
          .replace(`{${param.name}}`, segment)
          .replace(/\{(\w+)\}/g, (_, name: string) => fixture.values[name] ?? "x");
        return;
      }
      case 1: {
        const segments = request.path.split("/");
        segments.splice(
          1 + Math.floor(random() * (segments.length - 1)),
          0,
          pick(["..", ".", "%2e%2e", "%2E", ".%2e"]),
        );
        request.path = segments.join("/");
        return;
      }
      case 2: {
        const param = field(op.queryParams);
        const name = param && random() < 0.7 ? param.name : pick([...PROTOTYPE_KEYS, "extra", "x".repeat(200)]);
        const value = pick(ODD_STRINGS).slice(0, 5000);
        request.query.push(`${encodeQuery(name)}=${encodeQuery(value)}`);
        if (random() < 0.3) request.query.push(`${encodeQuery(name)}=${encodeQuery(pick(ODD_STRINGS))}`);
        return;
      }
      case 3:
      case 4: {
        const body = { ...(request.body ?? {}) };
        const target = field(op.bodyFields);
        const roll = random();
        if (target && roll < 0.5) body[target.name] = pick(ODD_VALUES);
        else if (target && roll < 0.65) delete body[target.name];
        else if (roll < 0.8) body[pick([...PROTOTYPE_KEYS, "extra", "Admin"])] = pick(ODD_VALUES);
        else if (target) body[target.name] = MEGABYTE;
        else body.extra = MEGABYTE;
        request.body = body;
        request.contentType ??= "application/json";
        return;
      }
      case 5:
        request.rawBody = pick(RAW_BODIES);
        request.contentType = "application/json";
        return;
      case 6:
        request.contentType = pick(CONTENT_TYPES) || undefined;
        request.rawBody = request.contentType?.startsWith("application/x-www")
          ? "a=1&b=2"
          : JSON.stringify(request.body ?? {});
        return;
      default:
        mutateAuth(request, fixture, pick);
    }
  }

  function mutateAuth(request: FuzzRequest, fixture: Fixture, pick: <T>(list: readonly T[]) => T): void {
    request.authorization = pick([
      `Bearer ${fixture.endedToken}`,
      `Bearer ${fixture.otherToken}`,
      "Bearer nat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
      `Bearer ${"x".repeat(3000)}`,
      "Bearer",
      "Basic dXNlcjpwYXNz",
      `Bearer ${fixture.token} ${fixture.token}`,
      undefined,
    ]);
  }

  /** Sends a request and says what is wrong with its answer, if anything. */
  async function problemWith(op: DocumentedOperation, request: FuzzRequest): Promise<string | undefined> {
    const body = request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
    const target = `/api/v1${request.path}${request.query.length ? `?${request.query.join("&")}` : ""}`;
    const headers: Record<string, string> = {};
    if (request.authorization !== undefined) headers.authorization = request.authorization;
    if (request.contentType !== undefined && body !== undefined) headers["content-type"] = request.contentType;
    // A stream that opens is taken at its headers: it would stay open for as long as its room does.
    const res = await rawHttp(server.url, op.method, target, {
      headers,
      streams: op.streams,
      ...(body !== undefined && { body }),
    });
    requests += 1;
    lastAnswer = `${res.status} ${errorCodeOf(res.body) ?? ""}`.trim();
    const label = () =>
      `${op.method} ${op.path} as ${target.slice(0, 120)} ${body?.slice(0, 80) ?? ""} -> ${res.status} ${res.body.slice(0, 200)}`;
    if (res.status >= 500) {
      serverErrors += 1;
      return label();
    }
    if (/node_modules|\.[cm]?[jt]s:\d+|\bat \S+ \(|"stack"|\/work\/|file:\/\//.test(res.body))
      return `leaks: ${label()}`;
    if (res.status < 400) return isDocumented(op, res.status) ? undefined : `undocumented status: ${label()}`;
    const code = errorCodeOf(res.body);
    if (code === undefined) return `not natter's error body: ${label()}`;
    return isDocumented(op, res.status, code) ? undefined : `undocumented ${res.status} ${code}: ${label()}`;
  }

  it("lists every operation of the accounts, rooms and messages issues", () => {
    expect(operations.length).toBeGreaterThanOrEqual(22);
  });

  it(`never answers 500, leaks nothing and answers only what each operation documents (${ITERATIONS} calls each)`, async () => {
    for (const [index, op] of operations.entries()) {
      const random = seededRandom(SEED + index);
      const fixture = await makeFixture();
      const batch = Array.from({ length: ITERATIONS }, () => {
        const request = wellFormed(op, fixture);
        mutate(op, request, fixture, random);
        if (random() < 0.3) mutate(op, request, fixture, random);
        return request;
      });
      for (let i = 0; i < batch.length; i += IN_FLIGHT) {
        const answers = await Promise.all(batch.slice(i, i + IN_FLIGHT).map((request) => problemWith(op, request)));
        for (const problem of answers) if (problem) problems.push(problem);
      }
    }
    expect(requests).toBeGreaterThanOrEqual(operations.length * ITERATIONS);
    expect(problems.slice(0, 30)).toEqual([]);
  }, 600_000);

  it("refuses NUL (U+0000) in every string field, query parameter and path parameter, alike on both engines", async () => {
    const nulProblems: string[] = [];
    const refusedCodes = new Set<string>();
    let sent = 0;
    for (const op of operations) {
      const fixture = await makeFixture();
      const requests: FuzzRequest[] = [];
      const fieldTarget = (field: DocumentedField) =>
        field.schema.type === "string" || field.schema.type === undefined || field.schema.enum !== undefined;
      for (const field of (op.bodyFields ?? []).filter(fieldTarget)) {
        for (const value of NUL_STRINGS) {
          const request = wellFormed(op, fixture);
          request.body = { ...(request.body ?? {}), [field.name]: value };
          request.contentType = "application/json";
          requests.push(request);
        }
      }
      for (const param of op.queryParams) {
        for (const value of NUL_STRINGS) {
          const request = wellFormed(op, fixture);
          request.query.push(`${encodeQuery(param.name)}=${encodeQuery(value)}`);
          requests.push(request);
        }
      }
      for (const request of requests) {
        const problem = await problemWith(op, request);
        sent += 1;
        if (problem) nulProblems.push(problem);
        refusedCodes.add(lastAnswer);
      }
      // A NUL in a path segment: REST path parameters are ids, matched as sent (`%00` is no id).
      for (const param of op.pathParams) {
        const request = wellFormed(op, fixture);
        request.path = op.path
          .replace(`{${param.name}}`, encodeQuery(`${fixture.values[param.name] ?? "x"}\u0000`))
          .replace(/\{(\w+)\}/g, (_, name: string) => fixture.values[name] ?? "x");
        const problem = await problemWith(op, request);
        sent += 1;
        if (problem) nulProblems.push(problem);
      }
    }
    console.log(
      `fuzz NUL: ${sent} requests, string fields and queries answered ${[...refusedCodes].sort().join(", ")}`,
    );
    expect(sent).toBeGreaterThan(operations.length);
    expect(nulProblems.slice(0, 30)).toEqual([]);
    // NUL is refused as invalid input before it reaches either engine, so both answer alike.
    expect([...refusedCodes]).toEqual(["400 VALIDATION_FAILED"]);
  }, 300_000);
});

let sampled = 0;

/** A value a field accepts, to make the rest of a request well-formed. */
function sampleValue(field: DocumentedField): unknown {
  if (field.schema.enum?.length) return field.schema.enum[0];
  if (field.schema.type === "integer" || field.schema.type === "number") return 1;
  if (field.schema.type === "boolean") return true;
  if (field.schema.type === "array") return [];
  if (/password/i.test(field.name)) return "long enough password";
  if (/username/i.test(field.name)) {
    sampled += 1;
    return `fuzz_${sampled}`;
  }
  return "fuzz";
}

/** Percent-encodes a query part; a lone surrogate goes as the bytes a careless client would send. */
function encodeQuery(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return "%ED%A0%80";
  }
}

/** The `code` of natter's error body, or undefined when the body is none. */
function errorCodeOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body);
    return typeof parsed.error?.message === "string" ? parsed.error.code : undefined;
  } catch {
    return undefined;
  }
}
