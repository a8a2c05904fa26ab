import { existsSync } from "node:fs";
import { request } from "node:http";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/index.js";
import { WEB_APP_INDEX } from "./browser.js";

/** The script and stylesheet paths `index.html` names. */
function assetPaths(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1] ?? "");
}

describe("the web app as natter serves it", () => {
  let server: TestServer;

  beforeAll(async () => {
    expect(existsSync(WEB_APP_INDEX), "build it first: pnpm --filter @natter/web build").toBe(true);
    server = await startTestServer();
  });
  afterAll(() => server?.stop());

  it("serves the app at / under a strict policy, never cached stale", async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const policy = response.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("script-src 'self';");
    expect(policy).toContain("style-src 'self';");
    expect(policy).toContain("connect-src 'self';");
    expect(policy).not.toContain("unsafe-inline");
    expect(policy).not.toContain("unsafe-eval");
    const html = await response.text();
    // Every script is a file of natter's own: nothing inline, nothing from elsewhere.
    const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((match) => match[1] ?? "");
    expect(scripts.length).toBeGreaterThan(0);
    for (const attributes of scripts) expect(attributes).toMatch(/src="\/assets\//);
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
  });

  it("answers the app's own paths with the app, so links and reloads open the right screen", async () => {
    const index = await (await fetch(`${server.url}/`)).text();
    for (const path of ["/rooms/some-room-id", "/search?q=plans", "/discover", "/new", "/admin", "/account"]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).toBe(index);
    }
    for (const path of ["/no-such-page", "/rooms/a/b", "/assets/missing.js"]) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.json(), path).toMatchObject({ error: { code: "NOT_FOUND" } });
    }
  });

  it("serves hashed assets as immutable, gzipped for clients that take it", async () => {
    const paths = assetPaths(await (await fetch(`${server.url}/`)).text());
    expect(paths.some((path) => path.endsWith(".js"))).toBe(true);
    expect(paths.some((path) => path.endsWith(".css"))).toBe(true);
    for (const path of paths) {
      const plain = await fetch(`${server.url}${path}`, { headers: { "accept-encoding": "identity" } });
      expect(plain.status, path).toBe(200);
      expect(plain.headers.get("cache-control"), path).toBe("public, max-age=31536000, immutable");
      expect(plain.headers.get("content-type"), path).toMatch(
        path.endsWith(".js") ? /^text\/javascript/ : /^text\/css/,
      );
      expect(plain.headers.get("content-encoding"), path).toBeNull();
      const body = Buffer.from(await plain.arrayBuffer());

      const zipped = await rawGet(`${server.url}${path}`, { "accept-encoding": "gzip" });
      expect(zipped.headers["content-encoding"], path).toBe("gzip");
      expect(zipped.headers.vary, path).toBe("Accept-Encoding");
      expect(zipped.body.length).toBeLessThan(body.length);
      expect(gunzipSync(zipped.body).equals(body), path).toBe(true);
    }
  });

  it("serves the service worker from the root, under a fixed name, checked for updates on every visit", async () => {
    const response = await fetch(`${server.url}/sw.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const source = await response.text();
    // A classic worker: it imports nothing (a shared chunk would need a module worker).
    expect(source).not.toMatch(/\bimport\s*[{*"'`]/);
    for (const event of ["push", "notificationclick"]) expect(source).toMatch(new RegExp(`["'\`]${event}["'\`]`));
  });

  it("answers HEAD without a body", async () => {
    const response = await fetch(`${server.url}/discover`, { method: "HEAD" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });

  it("keeps the API, the docs and the OpenAPI document where they were", async () => {
    expect((await fetch(`${server.url}/docs`)).headers.get("content-type")).toContain("text/html");
    expect(await (await fetch(`${server.url}/openapi.json`)).json()).toMatchObject({ openapi: expect.any(String) });
    expect(await (await fetch(`${server.url}/api/v1/rooms?scope=all`)).json()).toMatchObject({ rooms: [] });
    const trpc = await fetch(`${server.url}/trpc/rooms.list?input=${encodeURIComponent('{"scope":"all"}')}`);
    expect(await trpc.json()).toMatchObject({ result: { data: { rooms: [] } } });
    expect(await (await fetch(`${server.url}/healthz`)).json()).toMatchObject({ status: "ok" });
  });
});

/** A GET whose body stays as sent (fetch would unzip it). */
function rawGet(url: string, headers: Record<string, string>) {
  return new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    })
      .on("error", reject)
      .end();
  });
}
