import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./harness/index.js";

/** The REST contract of the accounts issue: method and path as REST callers code against them. */
const ACCOUNT_PATHS = [
  ["post", "/users"],
  ["post", "/sessions"],
  ["delete", "/sessions/current"],
  ["get", "/me"],
  ["get", "/users/{userId}"],
  ["put", "/me/password"],
] as const;

describe("the OpenAPI document and the docs pages", () => {
  let server: TestServer;
  let document: any;
  beforeAll(async () => {
    server = await startTestServer();
    document = await (await fetch(`${server.url}/openapi.json`)).json();
  });
  afterAll(() => server.stop());

  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe("3.1.0");
    // Absolute, from the Host the caller reached, so tools run from Node need no base URL.
    expect(document.servers).toEqual([{ url: `${server.url}/api/v1` }]);
  });

  it.each(ACCOUNT_PATHS)("documents %s %s", (method, path) => {
    expect(document.paths[path]?.[method]).toBeDefined();
  });

  it("documents creation as 201 and every error as natter's error body", () => {
    const signUp = document.paths["/users"].post;
    expect(Object.keys(signUp.responses)).toContain("201");
    expect(Object.keys(signUp.responses)).not.toContain("200");
    for (const [status, response] of Object.entries<any>(signUp.responses)) {
      if (Number(status) >= 400) {
        const { allOf } = response.content["application/json"].schema;
        expect(allOf[0]).toEqual({ $ref: "#/components/schemas/ErrorResponse" });
        // The code is narrowed to exactly the codes this status carries for this operation.
        expect(allOf[1].properties.error.properties.code.enum).toEqual(response.description.match(/[A-Z_]+/g));
      }
    }
    expect(document.components.schemas.ErrorResponse).toBeDefined();
  });

  it("documents log-in's refusal for rate, with Retry-After", () => {
    const tooMany = document.paths["/sessions"].post.responses["429"];
    expect(tooMany.content["application/json"].schema.allOf[1].properties.error.properties.code.enum).toEqual([
      "RATE_LIMITED",
    ]);
    expect(tooMany.headers["Retry-After"].schema).toEqual({ type: "integer", minimum: 1 });
  });

  it("declares every tag it uses, names its license, and keeps no component nothing refers to", () => {
    const declared = new Set(document.tags.map((tag: { name: string }) => tag.name));
    for (const pathItem of Object.values<any>(document.paths)) {
      for (const operation of Object.values<any>(pathItem)) {
        expect(operation.description, operation.operationId).toBeTruthy();
        for (const tag of operation.tags) expect(declared).toContain(tag);
      }
    }
    expect(document.info.license).toEqual({ name: "MIT", identifier: "MIT" });
    const text = JSON.stringify(document);
    for (const name of Object.keys(document.components.schemas)) {
      expect(text, name).toContain(`"#/components/schemas/${name}"`);
    }
  });

  it("requires the bearer scheme where a user must sign in, and makes it optional where anyone may call", () => {
    expect(document.components.securitySchemes.bearerAuth).toEqual({ type: "http", scheme: "bearer" });
    expect(document.paths["/me"].get.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths["/rooms/{roomId}"].get.security).toEqual([{}, { bearerAuth: [] }]);
  });

  it("lists the error codes of each operation under their status", () => {
    const join = document.paths["/rooms/{roomId}/join"].post.responses;
    expect(join["404"].description).toBe("`NOT_FOUND`, `ROOM_NOT_FOUND`");
    expect(join["401"].description).toBe("`UNAUTHENTICATED`");
    expect(join["400"].description).toContain("`VALIDATION_FAILED`");
    // A POST may carry a body even where the operation reads none: what that body can get is listed.
    for (const path of ["/rooms/{roomId}/join", "/rooms/{roomId}/leave", "/rooms/{roomId}/typing"]) {
      const responses = document.paths[path].post.responses;
      expect(responses["400"].description, path).toContain("`MALFORMED_REQUEST`");
      expect(responses["413"].description, path).toBe("`PAYLOAD_TOO_LARGE`");
      expect(responses["415"].description, path).toBe("`UNSUPPORTED_MEDIA_TYPE`");
    }
    const edit = document.paths["/rooms/{roomId}/messages/{messageId}"].patch.responses;
    expect(edit["404"].description).toBe("`NOT_FOUND`, `ROOM_NOT_FOUND`, `MESSAGE_NOT_FOUND`");
    expect(edit["409"].description).toBe("`CONFLICT`");
    expect(edit["415"].description).toBe("`UNSUPPORTED_MEDIA_TYPE`");
    expect(document.paths["/me"].get.responses["404"]).toBeUndefined();
  });

  it("serves an interactive reference at /docs from local files only", async () => {
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const html = await page.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? "");
    expect(sources.length).toBeGreaterThan(2);
    for (const source of sources) {
      expect(source.startsWith("/")).toBe(true);
      const asset = await fetch(`${server.url}${source}`);
      expect(asset.status, source).toBe(200);
    }
    const initializer = await (await fetch(`${server.url}/docs/initializer.js`)).text();
    expect(initializer).toContain('"/openapi.json"');
  });

  it("serves a health check", async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(await health.json()).toMatchObject({ status: "ok" });
  });
});
