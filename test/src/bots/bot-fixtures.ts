import { expect } from "vitest";
import { rest, type TestUser, uniqueUsername } from "../harness/index.js";

/** A bot made by `admin`, with one key of `scopes`; the key stands in for a token. */
export async function botWithKey(
  url: string,
  admin: TestUser,
  scopes: readonly string[],
  extra: { expiresAt?: string } = {},
): Promise<{ bot: TestUser; keyId: string }> {
  const username = uniqueUsername("bot");
  const made = await rest(url, "POST", "/admin/bots", {
    token: admin.token,
    body: { username, displayName: `Bot ${username}` },
  });
  expect(made.status).toBe(201);
  const keyed = await rest(url, "POST", `/admin/bots/${made.body.bot.id}/keys`, {
    token: admin.token,
    body: { name: "ci", scopes, ...extra },
  });
  expect(keyed.status).toBe(201);
  return {
    bot: { id: made.body.bot.id, username, password: "", token: keyed.body.key },
    keyId: keyed.body.apiKey.id,
  };
}

/** Revokes a bot's key as `admin`; expects it to be revoked. */
export async function revokeKey(url: string, admin: TestUser, bot: TestUser, keyId: string): Promise<void> {
  const res = await rest(url, "DELETE", `/admin/bots/${bot.id}/keys/${keyId}`, { token: admin.token });
  expect(res.status).toBe(200);
}
