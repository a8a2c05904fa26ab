import type { ApiKeyScope } from "@natter/shared";
import { API_KEY_SCOPES } from "@natter/shared";
import { type AppRouter, createAppRouter } from "natter";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { botWithKey } from "../bots/bot-fixtures.js";
import { grantServerAdmin, signUp, startTestServer, type TestServer } from "../harness/index.js";
import { callProcedure, procedureDef, transportsOf } from "./call-procedure.js";

/**
 * The API key scope matrix: every procedure of the real router, called with a key that holds
 * every scope but the one it declares (every scope, when it declares none), must answer 403
 * INSUFFICIENT_SCOPE on each of its transports; with a key holding only its scope, never. Deny
 * by default: a new procedure without a scope is refused to keys until it declares one.
 */
describe("API key scopes", () => {
  let server: TestServer;
  let router: AppRouter;
  /** A key per scope set, by the sorted scopes joined. */
  const keys = new Map<string, string>();

  beforeAll(async () => {
    server = await startTestServer({
      config: {
        messageSendRatePerAccount: "100000/1h",
        botSendRatePerAccount: "100000/1h",
        roomCreateRatePerAccount: "100000/1h",
        adminWriteRatePerAccount: "100000/1h",
      },
    });
    router = createAppRouter(server.services);
    const admin = await signUp(server.url);
    await grantServerAdmin(server.databaseUrl, admin.username);
    const sets: ApiKeyScope[][] = [
      [...API_KEY_SCOPES],
      ...API_KEY_SCOPES.map((scope) => [scope]),
      ...API_KEY_SCOPES.map((scope) => API_KEY_SCOPES.filter((other) => other !== scope)),
    ];
    for (const scopes of sets) keys.set(scopes.join(" "), (await botWithKey(server.url, admin, scopes)).bot.token);
  });
  afterAll(() => server.stop());

  const keyFor = (scopes: readonly string[]) => keys.get(scopes.join(" ")) as string;

  it("declares a scope from the documented list on every procedure a key may call", () => {
    const procedures = router._def.procedures as unknown as Record<string, { _def: { meta?: { scope?: string } } }>;
    for (const [path, procedure] of Object.entries(procedures)) {
      const scope = procedure._def.meta?.scope;
      if (scope !== undefined) expect(API_KEY_SCOPES, path).toContain(scope);
    }
  });

  it("refuses every call outside a key's scopes with 403 INSUFFICIENT_SCOPE, and none inside them", async () => {
    const procedures = router._def.procedures as unknown as Record<
      string,
      { _def: { meta?: { scope?: ApiKeyScope } } }
    >;
    const mismatches: string[] = [];
    let cells = 0;
    for (const [path, procedure] of Object.entries(procedures)) {
      const def = procedureDef(router, path);
      if (!def) continue;
      const scope = procedure._def.meta?.scope;
      const without = scope ? API_KEY_SCOPES.filter((other) => other !== scope) : [...API_KEY_SCOPES];
      for (const transport of transportsOf(def)) {
        cells += 1;
        const refused = await callProcedure(server.url, def, path, {}, keyFor(without), transport);
        if (refused !== "INSUFFICIENT_SCOPE") mismatches.push(`${path} (${transport}) without its scope: ${refused}`);
        if (!scope) continue;
        const held = await callProcedure(server.url, def, path, {}, keyFor([scope]), transport);
        if (held === "INSUFFICIENT_SCOPE") mismatches.push(`${path} (${transport}) with ${scope}: refused`);
      }
    }
    console.log(`API key scopes: ${cells} procedure-transport cells, ${mismatches.length} mismatches`);
    expect(cells).toBeGreaterThan(50);
    expect(mismatches).toEqual([]);
  });
});
