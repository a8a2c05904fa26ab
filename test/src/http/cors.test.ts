import { ConfigError, loadConfig } from "natter";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../harness/index.js";

const ALLOWED = "http://localhost:5173";

/** Browsers ask before calling cross-origin; natter answers every such question itself. */
describe("CORS", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { allowedOrigins: ALLOWED } });
  });
  afterAll(() => server.stop());

  const preflight = (origin: string, path = "/api/v1/rooms") =>
    fetch(`${server.url}${path}`, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization" },
    });

  it("answers a preflight from an allowed origin with 204 and the CORS headers, on any path", async () => {
    for (const path of ["/api/v1/rooms", "/trpc/rooms.create", "/api/v1/no-such-path"]) {
      const res = await preflight(ALLOWED, path);
      expect(res.status).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe(ALLOWED);
      expect(res.headers.get("access-control-allow-methods")).toContain("POST");
      expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    }
  });

  it("refuses a preflight from an unlisted origin with 403 naming NATTER_ALLOWED_ORIGINS", async () => {
    const res = await preflight("https://evil.example");
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe("FORBIDDEN");
    expect(error.message).toContain("NATTER_ALLOWED_ORIGINS");
  });

  it("lets the allowed origin read answers, and not another", async () => {
    const allowed = await fetch(`${server.url}/api/v1/rooms?scope=all`, { headers: { origin: ALLOWED } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    const other = await fetch(`${server.url}/api/v1/rooms?scope=all`, { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it.each([
    "localhost:5173",
    "http://localhost:5173/",
    "http://localhost:5173/app",
    "ftp://example.com",
    "*.example.com",
  ])("refuses NATTER_ALLOWED_ORIGINS=%s at start-up, naming the setting", (origins) => {
    expect(() => loadConfig({}, { NATTER_ALLOWED_ORIGINS: origins })).toThrow(ConfigError);
    expect(() => loadConfig({}, { NATTER_ALLOWED_ORIGINS: origins })).toThrow(/NATTER_ALLOWED_ORIGINS/);
  });

  it("accepts origins with a scheme and a port, and *", () => {
    const config = loadConfig({}, { NATTER_ALLOWED_ORIGINS: "http://localhost:5173, https://chat.example.com" });
    expect(config.allowedOrigins).toEqual(["http://localhost:5173", "https://chat.example.com"]);
    expect(loadConfig({}, { NATTER_ALLOWED_ORIGINS: "*" }).allowedOrigins).toEqual(["*"]);
  });
});
